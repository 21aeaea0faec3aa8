/*
 * Golden FarmHash vectors for mvsim, computed with Guava exactly the way Apache Pinot does.
 *
 * Pinot (post, PR #18642) computes a window fingerprint in
 * MaterializedViewTaskUtils.computeWindowFingerprint (TU:212-236, spec section 1.5.1):
 * keep segments with startTimeMs < windowEndMs && endTimeMs >= windowStartMs (TU:218),
 * return EMPTY if none (TU:224-226), sort by getSegmentName() with String.compareTo (TU:227),
 * then feed one Hashing.farmHashFingerprint64() hasher putString(name, UTF_8), putByte(0),
 * putLong(crc), putByte('\n') per segment (TU:229-234). This program mirrors that code.
 *
 * Output: JSON on stdout, ASCII only (non-ASCII characters as \\uXXXX escapes), one vector per
 * line, deterministic, so a regenerated file can be diffed against
 * model/tests/data/guava-vectors.json. Run it through scripts/guava-vectors.sh.
 */

import com.google.common.hash.HashFunction;
import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

public final class GuavaVectors {
  private static final HashFunction FARM = Hashing.farmHashFingerprint64();
  private static final long DAY_MS = 86_400_000L;

  /** The four SegmentZKMetadata fields the engine reads (spec section 1.1). */
  private record Seg(String name, long startTimeMs, long endTimeMs, long crc) {}

  /** A fingerprint (segmentCount, crc) plus what was hashed: byte count and name order. */
  private record Fp(int segmentCount, long crc, long hashedBytes, List<String> hashedOrder) {}

  private GuavaVectors() {}

  /** MaterializedViewTaskUtils.computeWindowFingerprint (TU:212-236), instrumented. */
  private static Fp computeWindowFingerprint(List<Seg> all, long windowStartMs, long windowEndMs) {
    List<Seg> overlapping = new ArrayList<>();
    for (Seg s : all) {
      if (s.startTimeMs() < windowEndMs && s.endTimeMs() >= windowStartMs) {
        overlapping.add(s);
      }
    }
    if (overlapping.isEmpty()) {
      return new Fp(0, FARM.newHasher().hash().asLong(), 0, List.of());
    }
    overlapping.sort(Comparator.comparing(Seg::name));
    Hasher hasher = FARM.newHasher();
    long hashedBytes = 0;
    List<String> hashedOrder = new ArrayList<>();
    for (Seg s : overlapping) {
      hashedOrder.add(s.name());
      hasher.putString(s.name(), StandardCharsets.UTF_8);
      hasher.putByte((byte) 0);
      hasher.putLong(s.crc());
      hasher.putByte((byte) '\n');
      hashedBytes += s.name().getBytes(StandardCharsets.UTF_8).length + 10;
    }
    return new Fp(overlapping.size(), hasher.hash().asLong(), hashedBytes, hashedOrder);
  }

  // ---------------------------------------------------------------- JSON output helpers

  private static String str(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c < 0x20 || c > 0x7e) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.append('"').toString();
  }

  private static String hex(byte[] bytes) {
    StringBuilder sb = new StringBuilder();
    for (byte b : bytes) {
      sb.append(String.format("%02x", b & 0xff));
    }
    return sb.toString();
  }

  private static String segsJson(List<Seg> segs, boolean withTimes) {
    List<String> parts = new ArrayList<>();
    for (Seg s : segs) {
      String times = withTimes
          ? ", \"startTimeMs\": " + s.startTimeMs() + ", \"endTimeMs\": " + s.endTimeMs()
          : "";
      parts.add("{\"name\": " + str(s.name()) + times + ", \"crc\": " + s.crc() + "}");
    }
    return "[" + String.join(", ", parts) + "]";
  }

  private static String namesJson(List<String> names) {
    List<String> parts = new ArrayList<>();
    for (String name : names) {
      parts.add(str(name));
    }
    return "[" + String.join(", ", parts) + "]";
  }

  private static void printSection(String key, List<String> lines, boolean last) {
    System.out.println("  " + str(key) + ": [");
    for (int i = 0; i < lines.size(); i++) {
      System.out.println("    " + lines.get(i) + (i + 1 < lines.size() ? "," : ""));
    }
    System.out.println("  ]" + (last ? "" : ","));
  }

  // ---------------------------------------------------------------- (a) spec table

  private static Seg pair(String name, long crc) {
    return new Seg(name, 0, 0, crc);
  }

  private static String specCase(String label, List<Seg> segs) {
    Fp fp = computeWindowFingerprint(segs, 0, 1);
    return "{\"name\": " + str(label) + ", \"segments\": " + segsJson(segs, false)
        + ", \"segment_count\": " + fp.segmentCount() + ", \"crc\": " + fp.crc() + "}";
  }

  private static List<String> specTable() {
    List<String> out = new ArrayList<>();
    out.add(specCase("none", List.of()));
    out.add(specCase("orders_single", List.of(pair("orders_OFFLINE_0", 1234567890L))));
    out.add(specCase("seg_a111_seg_b222", List.of(pair("seg_a", 111), pair("seg_b", 222))));
    out.add(specCase("seg_a222_seg_b111", List.of(pair("seg_a", 222), pair("seg_b", 111))));
    out.add(specCase("s_minus_one", List.of(pair("s", -1))));
    // Same as seg_a111_seg_b222 but given out of order: Pinot sorts before hashing.
    out.add(specCase("seg_b222_seg_a111_unsorted", List.of(pair("seg_b", 222), pair("seg_a", 111))));
    return out;
  }

  // ---------------------------------------------------------------- (b) raw Fingerprint64

  private static String rawCase(String label, String pattern, byte[] input) {
    return "{\"name\": " + str(label) + ", \"pattern\": " + str(pattern) + ", \"length\": "
        + input.length + ", \"hex\": " + str(hex(input)) + ", \"fingerprint\": "
        + FARM.hashBytes(input).asLong() + "}";
  }

  private static List<String> raw() {
    int[] lengths = {0, 1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129,
        191, 192, 193, 255, 256, 257, 320};
    List<String> out = new ArrayList<>();
    for (int n : lengths) {
      byte[] b = new byte[n];
      for (int i = 0; i < n; i++) {
        b[i] = (byte) ((i * 31 + 7) % 251);
      }
      out.add(rawCase("mod251_" + n, "mod251", b));
    }
    for (int n : new int[] {1, 64, 128, 192, 256, 320}) {
      out.add(rawCase("a_x" + n, "repeat_a", "a".repeat(n).getBytes(StandardCharsets.UTF_8)));
    }
    out.add(rawCase("hello_world", "utf8", "hello world".getBytes(StandardCharsets.UTF_8)));
    return out;
  }

  // ---------------------------------------------------------------- (c) window fingerprints

  /** prefix padded with 'x' to exactly targetUtf8Bytes UTF-8 bytes. */
  private static String pad(String prefix, int targetUtf8Bytes) {
    int len = prefix.getBytes(StandardCharsets.UTF_8).length;
    if (len > targetUtf8Bytes) {
      throw new IllegalArgumentException("prefix too long: " + prefix);
    }
    return prefix + "x".repeat(targetUtf8Bytes - len);
  }

  private static String windowCase(String label, long ws, long we, List<Seg> segs) {
    Fp fp = computeWindowFingerprint(segs, ws, we);
    return "{\"name\": " + str(label) + ", \"window_start_ms\": " + ws + ", \"window_end_ms\": "
        + we + ", \"segments\": " + segsJson(segs, true) + ", \"hashed_order\": "
        + namesJson(fp.hashedOrder()) + ", \"hashed_bytes\": "
        + fp.hashedBytes() + ", \"segment_count\": " + fp.segmentCount() + ", \"crc\": "
        + fp.crc() + "}";
  }

  private static final String HALFWIDTH = "\uFF61_halfwidth"; // U+FF61, UTF-8 EF BD A1
  private static final String LINEAR_B = "\uD800\uDC00_linear_b"; // U+10000, UTF-8 F0 90 80 80
  private static final String PRIVATE = "\uE000_private"; // U+E000, UTF-8 EE 80 80
  private static final String EMOJI = "seg_\uD83D\uDE00"; // U+1F600
  private static final String EVENT = "\u4E8B\u4EF6_0"; // CJK
  private static final String CAFE = "caf\u00E9";

  private static List<Seg> allInWindow(long ws, String... names) {
    List<Seg> segs = new ArrayList<>();
    for (int i = 0; i < names.length; i++) {
      segs.add(new Seg(names[i], ws, ws, 1000L * (i + 1) - 7));
    }
    return segs;
  }

  private static List<String> windows() {
    List<String> out = new ArrayList<>();
    long d = DAY_MS;
    out.add(windowCase("non_ascii_boundaries", d, 2 * d, List.of(
        new Seg(EVENT, d, d + 1000, 42),
        new Seg(CAFE, 0, d, -1), // end == windowStart: inclusive end, overlaps
        new Seg(EMOJI, d + 13_600_000, 2 * d + 13_600_000, Long.MAX_VALUE),
        new Seg("outside_start_eq_end", 2 * d, 2 * d + 1, 7), // start == windowEnd: excluded
        new Seg("early", 0, d - 1, 8), // ends before the window
        new Seg("no_time", -1, -1, 9),
        new Seg("min_crc", d - 5, 3 * d, Long.MIN_VALUE))));
    out.add(windowCase("utf16_vs_utf8_order", 0, d, List.of(
        new Seg("z", 0, 0, 5),
        new Seg(HALFWIDTH, 0, 10, 1),
        new Seg(EMOJI, 5, 6, 4),
        new Seg(LINEAR_B, 0, 0, 2),
        new Seg(PRIVATE, 3, 3, 3),
        new Seg("A", 0, 0, 6))));
    out.add(windowCase("halfwidth_vs_linear_b_only", 0, d, List.of(
        new Seg(HALFWIDTH, 0, 0, 1), new Seg(LINEAR_B, 0, 0, 2))));
    out.add(windowCase("private_use_vs_emoji_only", 0, d, List.of(
        new Seg(PRIVATE, 0, 0, 1), new Seg(EMOJI, 0, 0, 2))));
    out.add(windowCase("empty_overlap", d, 2 * d, List.of(
        new Seg(EVENT, 0, d - 1, 1), new Seg("no_time", -1, -1, 2))));
    out.add(windowCase("negative_window_unset_times", -d, 0, List.of(
        new Seg("no_time", -1, -1, -1), new Seg(CAFE, 0, 5, 3))));
    out.add(windowCase("empty_name", 0, d, List.of(new Seg("", 0, 0, 0), new Seg("a", 0, 0, 0))));
    // Every segment below contributes 54 name bytes + 10 = 64 hashed bytes.
    out.add(windowCase("hashed_64", 0, d, allInWindow(0, pad(EVENT + "_", 54))));
    out.add(windowCase("hashed_128", 0, d,
        allInWindow(0, pad(CAFE + "_", 54), pad(EVENT + "_", 54))));
    out.add(windowCase("hashed_192", 0, d,
        allInWindow(0, pad(EMOJI + "_", 54), pad(HALFWIDTH + "_", 54), pad(LINEAR_B + "_", 54))));
    List<Seg> s256 = new ArrayList<>(allInWindow(d, pad(PRIVATE + "_", 54), pad(EMOJI, 54),
        pad(CAFE, 54), pad(EVENT, 54)));
    s256.add(new Seg(pad("outside_", 54), 2 * d, 3 * d, 99)); // filtered out
    out.add(windowCase("hashed_256_plus_filtered", d, 2 * d, s256));
    out.add(windowCase("hashed_320", 0, d, allInWindow(0, pad("e_", 54), pad("d_", 54),
        pad("c_", 54), pad("b_", 54), pad("a_", 54))));
    // One name alone is 118 / 182 / 246 bytes so the single segment hashes 128 / 192 / 256.
    out.add(windowCase("single_hashed_128", 0, d, allInWindow(0, pad(EVENT, 118))));
    out.add(windowCase("single_hashed_192", 0, d, allInWindow(0, pad(EMOJI, 182))));
    out.add(windowCase("single_hashed_256", 0, d, allInWindow(0, pad(LINEAR_B, 246))));
    return out;
  }

  public static void main(String[] args) {
    System.out.println("{");
    System.out.println("  \"generator\": \"scripts/guava-vectors.sh (GuavaVectors.java, "
        + "Hashing.farmHashFingerprint64)\",");
    printSection("spec_table", specTable(), false);
    printSection("raw", raw(), false);
    printSection("windows", windows(), true);
    System.out.println("}");
  }
}
