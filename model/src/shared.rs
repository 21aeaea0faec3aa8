//! [`Shared`]: an immutable value shared between states, its hash computed at most once.
//!
//! The exhaustive checker clones a `World` for every transition and hashes it for its
//! visited set; most of a world's maps (the znode's buckets, the scheduler's snapshot of
//! them, a CAS's pending update, the MV data) are the same from one state to the next. A
//! `Shared` map is cloned by bumping a reference count, hashed by writing one `u64`
//! computed the first time the value is hashed (never, in the simulator, which does not
//! hash states), and compared by pointer before content. Writers go through
//! [`Shared::make_mut`], which copies the value only if another state still holds it and
//! forgets the cached hash.
//!
//! Hashing a `Shared` writes its content hash (aHash with fixed keys, the hash stateright
//! fingerprints states with, so the same in every run and thread of one build) instead of
//! its content: two different values alias only on a 64-bit collision, the same risk as
//! stateright's own 64-bit state fingerprints.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::sync::Arc;

/// An immutable, reference-counted value with a cached content hash.
pub struct Shared<T> {
    /// The content hash once computed; 0 = not yet (a computed 0 is stored as 1).
    hash: AtomicU64,
    value: Arc<T>,
}

fn content_hash<T: Hash>(value: &T) -> u64 {
    // Arbitrary fixed keys: deterministic, independent of any process-wide seed.
    const KEYS: [u64; 4] = [
        0x243f_6a88_85a3_08d3,
        0x1319_8a2e_0370_7344,
        0xa409_3822_299f_31d0,
        0x082e_fa98_ec4e_6c89,
    ];
    ahash::RandomState::with_seeds(KEYS[0], KEYS[1], KEYS[2], KEYS[3]).hash_one(value)
}

impl<T> Shared<T> {
    pub fn new(value: T) -> Shared<T> {
        Shared {
            hash: AtomicU64::new(0),
            value: Arc::new(value),
        }
    }

    fn cached_hash(&self) -> u64 {
        self.hash.load(AtomicOrdering::Relaxed)
    }
}

impl<T: Hash> Shared<T> {
    /// The content hash, computed on first use. Racing threads compute the same value.
    fn content_hash(&self) -> u64 {
        match self.cached_hash() {
            0 => {
                let hash = content_hash(&*self.value).max(1);
                self.hash.store(hash, AtomicOrdering::Relaxed);
                hash
            }
            hash => hash,
        }
    }
}

impl<T: Clone> Shared<T> {
    /// A mutable borrow of the value (copied first if another state shares it); the
    /// cached content hash is forgotten.
    pub fn make_mut(&mut self) -> &mut T {
        *self.hash.get_mut() = 0;
        Arc::make_mut(&mut self.value)
    }
}

impl<T> Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Shared<T> {
        Shared {
            hash: AtomicU64::new(self.cached_hash()),
            value: Arc::clone(&self.value),
        }
    }
}

impl<T: Default> Default for Shared<T> {
    fn default() -> Shared<T> {
        Shared::new(T::default())
    }
}

impl<T> From<T> for Shared<T> {
    fn from(value: T) -> Shared<T> {
        Shared::new(value)
    }
}

impl<T: FromIterator<A>, A> FromIterator<A> for Shared<T> {
    fn from_iter<I: IntoIterator<Item = A>>(iter: I) -> Shared<T> {
        Shared::new(iter.into_iter().collect())
    }
}

impl<T: Hash> Hash for Shared<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.content_hash());
    }
}

impl<T: PartialEq> PartialEq for Shared<T> {
    fn eq(&self, other: &Shared<T>) -> bool {
        if Arc::ptr_eq(&self.value, &other.value) {
            return true;
        }
        let (left, right) = (self.cached_hash(), other.cached_hash());
        if left != 0 && right != 0 && left != right {
            return false;
        }
        *self.value == *other.value
    }
}

impl<T: Eq> Eq for Shared<T> {}

impl<T: PartialOrd> PartialOrd for Shared<T> {
    fn partial_cmp(&self, other: &Shared<T>) -> Option<Ordering> {
        (*self.value).partial_cmp(&*other.value)
    }
}

impl<T: Ord> Ord for Shared<T> {
    fn cmp(&self, other: &Shared<T>) -> Ordering {
        (*self.value).cmp(&*other.value)
    }
}

impl<T: fmt::Debug> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}

impl<T: Serialize> Serialize for Shared<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Shared<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Shared<T>, D::Error> {
        T::deserialize(deserializer).map(Shared::new)
    }
}

impl<'a, T> IntoIterator for &'a Shared<T>
where
    &'a T: IntoIterator,
{
    type Item = <&'a T as IntoIterator>::Item;
    type IntoIter = <&'a T as IntoIterator>::IntoIter;
    fn into_iter(self) -> Self::IntoIter {
        (&*self.value).into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn hash_of<T: Hash>(value: &T) -> u64 {
        let mut hasher = std::hash::DefaultHasher::new();
        value.hash(&mut hasher);
        hasher.finish()
    }

    #[test]
    fn equal_content_means_equal_hash_and_equality_whatever_the_history() {
        let mut built: Shared<BTreeMap<i64, u8>> = Shared::default();
        built.make_mut().insert(1, 7);
        built.make_mut().insert(2, 9);
        let direct: Shared<BTreeMap<i64, u8>> = [(2, 9), (1, 7)].into_iter().collect();
        assert_eq!(built, direct);
        assert_eq!(hash_of(&built), hash_of(&direct));
    }

    #[test]
    fn make_mut_copies_a_shared_value_and_leaves_the_other_holder_alone() {
        let original: Shared<BTreeMap<i64, u8>> = [(1, 7)].into_iter().collect();
        let mut changed = original.clone();
        changed.make_mut().insert(1, 8);
        assert_eq!(original.get(&1), Some(&7), "the other holder is untouched");
        assert_eq!(changed.get(&1), Some(&8));
        assert_ne!(original, changed);
        assert_ne!(hash_of(&original), hash_of(&changed));
        changed.make_mut().insert(1, 7);
        assert_eq!(original, changed, "equal content again: equal");
        assert_eq!(hash_of(&original), hash_of(&changed));
    }

    #[test]
    fn a_cached_hash_is_forgotten_by_a_write() {
        let mut shared: Shared<BTreeMap<i64, u8>> = [(1, 7)].into_iter().collect();
        let before = hash_of(&shared);
        let copy = shared.clone(); // carries the cached hash
        shared.make_mut().insert(2, 9);
        let fresh: Shared<BTreeMap<i64, u8>> = [(1, 7), (2, 9)].into_iter().collect();
        assert_eq!(hash_of(&shared), hash_of(&fresh));
        assert_ne!(hash_of(&shared), before);
        assert_eq!(hash_of(&copy), before);
        assert_ne!(shared, copy);
        assert_eq!(shared, fresh);
    }

    #[test]
    fn serializes_as_its_content() {
        let shared: Shared<BTreeMap<i64, u8>> = [(1, 7)].into_iter().collect();
        let json = serde_json::to_string(&shared).expect("serializes");
        assert_eq!(json, r#"{"1":7}"#);
        let back: Shared<BTreeMap<i64, u8>> = serde_json::from_str(&json).expect("parses");
        assert_eq!(back, shared);
    }
}
