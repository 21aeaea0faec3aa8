#!/usr/bin/env python3
"""Write the ZNRecord corpus cases (model/tests/data/znrecord-corpus/cases/*.znode).

    scripts/znrecord-harness/make-cases.py model/tests/data/znrecord-corpus/cases

Each case is the raw bytes of a runtime znode. Their expected outcomes are not written here:
scripts/znrecord-corpus.sh runs Pinot's read path over them. Run this script only to add or
change cases (then rerun the harness); it rewrites every file and removes no stale ones.
"""
import json
import sys
from pathlib import Path

V = '{"state":"V","segmentCount":"1","crc":"2","lastRefreshTime":"3"}'
S = '{"state":"S","segmentCount":"9","crc":"8","lastRefreshTime":"7"}'


def record(simple='{"watermarkMs":"86400000"}', maps='{"0":%s}' % V, extra=''):
    return '{"id":"mv_OFFLINE","simpleFields":%s,"mapFields":%s,"listFields":{}%s}' % (
        simple, maps, extra)


def wm(text):
    return record(simple='{"watermarkMs":%s}' % text)


def inner(**fields):
    base = {"state": '"V"', "segmentCount": '"1"', "crc": '"2"', "lastRefreshTime": '"3"'}
    for key, value in fields.items():
        key = key.replace("_", "")
        key = {"segmentcount": "segmentCount", "lastrefreshtime": "lastRefreshTime"}.get(key, key)
        if value is None:
            base.pop(key)
        else:
            base[key] = value
    return "{" + ",".join('"%s":%s' % item for item in base.items()) + "}"


def bucket(text):
    return record(maps='{"0":%s}' % text)


def nested(depth):
    """A record whose ignored field nests arrays so that the deepest array is at `depth`
    counting the root object as depth 1."""
    arrays = depth - 1
    return record(extra=',"ignored":' + "[" * arrays + "]" * arrays)


CASES = {
    # --- Long.parseLong on the watermark (Helix getLongField: malformed reads as 0)
    "wm-plus-sign": wm('"+5"'),
    "wm-minus-zero": wm('"-0"'),
    "wm-leading-zeros": wm('"0005"'),
    "wm-fullwidth-digits": wm('"\uff11\uff12"'),
    "wm-arabic-indic-digit": wm('"\u0663"'),
    "wm-mixed-scripts": wm('"1\u0662\u0967"'),
    "wm-supplementary-digit": wm('"\\ud835\\udfd3"'),
    "wm-fullwidth-plus": wm('"\uff0b5"'),
    "wm-superscript-two": wm('"\u00b2"'),
    "wm-roman-numeral": wm('"\u2160"'),
    "wm-max-long": wm('"9223372036854775807"'),
    "wm-overflow": wm('"9223372036854775808"'),
    "wm-long-min": wm('"-9223372036854775808"'),
    "wm-plus-only": wm('"+"'),
    "wm-minus-only": wm('"-"'),
    "wm-empty": wm('""'),
    "wm-leading-space": wm('" 5"'),
    "wm-trailing-space": wm('"5 "'),
    "wm-decimal-point": wm('"1.5"'),
    "wm-exponent": wm('"1e3"'),
    "wm-hex": wm('"0x10"'),
    "wm-negative": wm('"-5"'),
    "wm-double-sign": wm('"+-5"'),
    "wm-underscore": wm('"1_000"'),
    "wm-nul-char": wm('"5\\u0000"'),
    "wm-json-number": wm("5"),
    "wm-json-negative": wm("-5"),
    "wm-json-float": wm("1.50"),
    "wm-json-exponent": wm("1E3"),
    "wm-json-negative-zero": wm("-0"),
    "wm-json-big-integer": wm("99999999999999999999"),
    "wm-json-true": wm("true"),
    "wm-json-false": wm("false"),
    "wm-json-null": wm("null"),
    "wm-json-array": wm("[]"),
    "wm-json-array-one": wm('["5"]'),
    "wm-json-object": wm("{}"),
    "wm-missing": record(simple='{}'),
    "wm-duplicate-key": record(simple='{"watermarkMs":"5","watermarkMs":"7"}'),
    # --- Integer.parseInt / Long.parseLong on bucket fields (NumberFormatException skips it)
    "count-max-int": bucket(inner(segmentCount='"2147483647"')),
    "count-min-int": bucket(inner(segmentCount='"-2147483648"')),
    "count-overflow": bucket(inner(segmentCount='"2147483648"')),
    "count-plus": bucket(inner(segmentCount='"+4"')),
    "count-fullwidth": bucket(inner(segmentCount='"\uff14"')),
    "count-devanagari": bucket(inner(segmentCount='"\u096a\u0968"')),
    "count-json-number": bucket(inner(segmentCount="4")),
    "count-json-float": bucket(inner(segmentCount="4.0")),
    "crc-json-number": bucket(inner(crc="-42")),
    "crc-json-true": bucket(inner(crc="true")),
    "crc-min-long": bucket(inner(crc='"-9223372036854775808"')),
    "crc-underflow": bucket(inner(crc='"-9223372036854775809"')),
    "crc-unpaired-surrogate": bucket(inner(crc='"\\ud800"')),
    "refresh-json-exponent": bucket(inner(lastRefreshTime="3e0")),
    "refresh-thai-digits": bucket(inner(lastRefreshTime='"\u0e51\u0e52"')),
    # --- PartitionInfo.fromFieldMap's IllegalArgumentExceptions propagate
    "state-unknown": bucket(inner(state='"X"')),
    "state-lower-case": bucket(inner(state='"v"')),
    "state-json-number": bucket(inner(state="1")),
    "state-json-true": bucket(inner(state="true")),
    "state-null": bucket(inner(state="null")),
    "missing-crc": bucket(inner(crc=None)),
    "missing-state": bucket(inner(state=None)),
    "inner-empty": bucket("{}"),
    "inner-null": bucket("null"),
    "inner-extra-key": bucket(inner(extra='"x"', more="7", other="null")),
    "inner-duplicate-key": bucket(V[:-1] + ',"crc":"5"}'),
    "inner-string": bucket('"V,1,2,3"'),
    "inner-empty-string": bucket('""'),
    "inner-number": bucket("7"),
    "inner-array": bucket("[]"),
    "inner-value-object": bucket(inner(extra="{}")),
    "inner-value-array": bucket(inner(extra="[]")),
    "malformed-then-missing": record(
        maps='{"0":%s,"86400000":%s}' % (inner(crc='"x"'), inner(crc=None))),
    "negative-wm-and-missing-key": record(
        simple='{"watermarkMs":"-1"}', maps='{"0":%s}' % inner(crc=None)),
    "negative-wm-and-bad-number": record(
        simple='{"watermarkMs":"-1"}', maps='{"0":%s}' % inner(crc='"x"')),
    # --- bucket keys
    "key-plus": record(maps='{"+86400000":%s}' % V),
    "key-fullwidth": record(maps='{"\uff10":%s}' % V),
    "key-leading-zeros": record(maps='{"00086400000":%s}' % V),
    "key-negative": record(maps='{"-86400000":%s}' % V),
    "key-overflow": record(maps='{"9223372036854775808":%s}' % V),
    "key-non-numeric": record(maps='{"foo":%s,"0":%s}' % (S, V)),
    "key-non-numeric-null": record(maps='{"foo":null,"0":%s}' % V),
    "key-non-numeric-garbage": record(maps='{"foo":{"state":"X"},"0":%s}' % V),
    "key-empty": record(maps='{"":%s}' % V),
    "key-space": record(maps='{" 0":%s}' % V),
    "key-unpaired-surrogate": record(maps='{"\\udc00":%s,"0":%s}' % (S, V)),
    "key-partition-infos-legacy": record(maps='{"partitionInfos":{"0":"V,1,2"},"0":%s}' % V),
    "key-partition-infos-null": record(maps='{"partitionInfos":null}'),
    "key-partition-infos-bad-type": record(maps='{"partitionInfos":{"0":{}}}'),
    "collide-plain-then-plus": record(maps='{"0":%s,"+0":%s}' % (V, S)),
    "collide-plus-then-plain": record(maps='{"+0":%s,"0":%s}' % (S, V)),
    "collide-three-ways": record(maps='{"-0":%s,"0":%s,"+0":%s}' % (V, V, S)),
    "collide-fullwidth": record(maps='{"0":%s,"\uff10":%s}' % (V, S)),
    "collide-later-malformed": record(maps='{"0":%s,"+0":%s}' % (V, inner(crc='"x"'))),
    "collide-duplicate-json-key": record(maps='{"0":%s,"+0":%s,"0":%s}' % (V, S, V)),
    "duplicate-json-key": record(maps='{"0":%s,"0":%s}' % (V, S)),
    # --- id and the sections
    "id-missing": '{"simpleFields":{"watermarkMs":"5"},"mapFields":{}}',
    "id-null": '{"id":null,"simpleFields":{}}',
    "id-number": '{"id":7}',
    "id-float": '{"id":7.50}',
    "id-true": '{"id":true}',
    "id-object": '{"id":{}}',
    "id-array": '{"id":["a"]}',
    "id-duplicate": '{"id":"a","id":"b"}',
    "id-last": '{"simpleFields":{"watermarkMs":"5"},"id":"late"}',
    "id-unpaired-surrogate": '{"id":"mv\\ud800x"}',
    "id-emoji": '{"id":"mv\U0001f600"}',
    "empty-object": "{}",
    "simple-fields-null": '{"id":"v","simpleFields":null}',
    "simple-fields-array": '{"id":"v","simpleFields":[]}',
    "simple-fields-string": '{"id":"v","simpleFields":"x"}',
    "simple-fields-other-object": record(simple='{"watermarkMs":"5","other":{}}'),
    "simple-fields-other-null": record(simple='{"watermarkMs":"5","other":null}'),
    "simple-fields-duplicate": '{"id":"v","simpleFields":{"watermarkMs":"5"},"simpleFields":{}}',
    "map-fields-null": '{"id":"v","mapFields":null}',
    "map-fields-array": '{"id":"v","mapFields":[]}',
    "map-fields-duplicate": '{"id":"v","mapFields":{"0":%s},"mapFields":{"86400000":%s}}' % (V, S),
    "list-fields-null": record(extra="").replace('"listFields":{}', '"listFields":null'),
    "list-fields-string-value": record().replace('"listFields":{}', '"listFields":{"x":"y"}'),
    "list-fields-empty-string-value": record().replace('"listFields":{}', '"listFields":{"x":""}'),
    "list-fields-items-coerced": record().replace('"listFields":{}', '"listFields":{"x":[1,true,null,"s"]}'),
    "list-fields-item-object": record().replace('"listFields":{}', '"listFields":{"x":[{}]}'),
    "list-fields-array": record().replace('"listFields":{}', '"listFields":[]'),
    "unknown-top-level": record(extra=',"foo":{"a":[1,{"b":null}]},"bar":7'),
    "delta-list": record(extra=',"deltaList":[{"x":1}]'),
    "version-field": record(extra=',"version":"x","creationTime":[]'),
    "raw-payload-base64": record(extra=',"rawPayload":"AAEC"'),
    "raw-payload-null": record(extra=',"rawPayload":null'),
    "raw-payload-invalid": record(extra=',"rawPayload":"!!"'),
    "raw-payload-number": record(extra=',"rawPayload":5'),
    "raw-payload-array": record(extra=',"rawPayload":[1,2]'),
    "simple-field-singular": record(extra=',"simpleField":"x"'),
    # --- Jackson's tokenizer
    "trailing-garbage": record() + " x",
    "trailing-second-object": record() + "{",
    "trailing-close": record() + "}",
    "trailing-invalid-utf8": record().encode() + b"\xff\xfe",
    "leading-whitespace": " \t\r\n" + record(),
    "leading-garbage": "x" + record(),
    "utf8-bom": b"\xef\xbb\xbf" + record().encode(),
    "utf16le-bom": b"\xff\xfe" + record().encode("utf-16-le"),
    "utf16be-bom": b"\xfe\xff" + record().encode("utf-16-be"),
    "utf16le-no-bom": record().encode("utf-16-le"),
    "utf16be-no-bom": record().encode("utf-16-be"),
    "utf32be-no-bom": record().encode("utf-32-be"),
    "comment": record().replace("{", "/* c */{", 1),
    "single-quotes": record().replace('"id"', "'id'"),
    "unquoted-name": record().replace('"id"', "id"),
    "trailing-comma": record().replace(',"listFields":{}}', ',"listFields":{},}'),
    "nan-in-ignored": record(extra=',"x":NaN'),
    "leading-zero-in-ignored": record(extra=',"x":01'),
    "leading-plus-in-ignored": record(extra=',"x":+1'),
    "bare-minus-in-ignored": record(extra=',"x":-'),
    "fraction-without-digits": record(extra=',"x":1.'),
    "huge-exponent-in-ignored": record(extra=',"x":1e999999999,"y":-1E-999999999'),
    "huge-exponent-as-id": '{"id":1e999999999}',
    "number-1000-digits": record(extra=',"x":' + "9" * 1000),
    "number-1001-digits": record(extra=',"x":' + "9" * 1001),
    "literal-true-prefix": record(extra=',"x":truex'),
    "literal-mixed-case": record(extra=',"x":True'),
    "control-char-in-string": record(extra=',"x":"a\tb"'),
    "del-char-in-string": record(extra=',"x":"a\x7fb"'),
    "escaped-solidus": record(extra=',"x":"a\\/b"'),
    "invalid-escape": record(extra=',"x":"a\\xb"'),
    "short-unicode-escape": record(extra=',"x":"\\u12"'),
    "unpaired-high-surrogate": record(extra=',"x":"\\ud800"'),
    "unpaired-low-surrogate": record(extra=',"x":"\\udfff\\ud800"'),
    "invalid-utf8-in-string": record(extra=',"x":"').encode() + b"\xff\"}",
    "overlong-utf8": record(extra=',"x":"').encode() + b"\xc0\x80\"}",
    "utf8-encoded-surrogate": record(extra=',"x":"').encode() + b"\xed\xa0\x80\"}",
    "truncated-utf8": record(extra=',"x":"').encode() + b"\xe2\x82\"}",
    "nesting-999": nested(999),
    "nesting-1000": nested(1000),
    "nesting-1001": nested(1001),
    "nesting-objects-1001": record(extra=',"x":' + '{"a":' * 1000 + "1" + "}" * 1000),
    "vertical-tab-whitespace": record().replace(",", ",\x0b", 1),
    "nbsp-whitespace": record().replace(",", ",\u00a0", 1),
    "name-50000-bytes": record(extra=',"%s":1' % ("n" * 50000)),
    "name-50001-bytes": record(extra=',"%s":1' % ("n" * 50001)),
    "name-25001-two-byte-chars": record(extra=',"%s":1' % ("\u00e9" * 25001)),
    "name-50001-units-utf16": (b"\xff\xfe" + record(extra=',"%s":1' % ("n" * 50001)).encode("utf-16-le")),
    "raw-payload-empty": record(extra=',"rawPayload":""'),
    "raw-payload-padded": record(extra=',"rawPayload":"AA=="'),
    "raw-payload-unpadded": record(extra=',"rawPayload":"AA"'),
    "raw-payload-spaced": record(extra=',"rawPayload":" AAAA AAAA"'),
    "raw-payload-split-quartet": record(extra=',"rawPayload":"AA AA"'),
    "raw-payload-extra-padding": record(extra=',"rawPayload":"AAAA="'),
    "raw-payload-array-out-of-range": record(extra=',"rawPayload":[256]'),
    "raw-payload-array-negative": record(extra=',"rawPayload":[-128,255]'),
    "raw-payload-array-string": record(extra=',"rawPayload":["1"]'),
    "raw-payload-array-null": record(extra=',"rawPayload":[null]'),
    "raw-payload-array-word": record(extra=',"rawPayload":["x"]'),
    "raw-payload-array-true": record(extra=',"rawPayload":[true]'),
    "utf16le-high-surrogate-then-letter": b"\xff\xfe" + record().replace('"mv_OFFLINE"', '"mvXY"').encode("utf-16-le").replace("X".encode("utf-16-le"), b"\x00\xd8"),
    "utf16le-lone-low-surrogate": b"\xff\xfe" + record().replace('"mv_OFFLINE"', '"mvX"').encode("utf-16-le").replace("X".encode("utf-16-le"), b"\x00\xdc"),
    "utf16le-unpaired-surrogate-unit": b"\xff\xfe" + record().replace('"mv_OFFLINE"', '"mvX"').encode("utf-16-le").replace("X".encode("utf-16-le"), b"\x00\xd8"),
    "utf16le-odd-length": record().encode("utf-16-le") + b" ",
    "ucs4-weird-order": b"\x00\x00\xff\xfe" + record().encode(),
    # --- not a record
    "empty": b"",
    "whitespace-only": " \n",
    "json-null": "null",
    "json-array": "[]",
    "json-string": '"mv"',
    "json-number": "5",
    "truncated": record()[:-1],
    "unterminated-string": '{"id":"mv',
}


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for name, content in CASES.items():
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        (out / (name + ".znode")).write_bytes(data)
    print("%d cases written to %s" % (len(CASES), out), file=sys.stderr)


if __name__ == "__main__":
    main()
