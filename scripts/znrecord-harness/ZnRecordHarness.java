import com.fasterxml.jackson.core.json.PackageVersion;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.helix.zookeeper.datamodel.ZNRecord;
import org.apache.helix.zookeeper.datamodel.serializer.ZNRecordSerializer;
import org.apache.pinot.materializedview.metadata.MaterializedViewRuntimeMetadata;
import org.apache.pinot.materializedview.metadata.PartitionFingerprint;
import org.apache.pinot.materializedview.metadata.PartitionInfo;

/**
 * Runs Pinot's own read path over every znode in a corpus directory and prints the outcomes
 * as JSON (stdout), for model/tests/znrecord_corpus.rs.
 *
 * The read path is the one MaterializedViewRuntimeMetadataUtils.fetch takes
 * (MaterializedViewRuntimeMetadataUtils.java:38-48 at ca5c042d034): Helix's
 * ZNRecordSerializer.deserialize (helix-2.0.0 zookeeper-api, the serializer ZKHelixManager
 * installs, ZKHelixManager.java:1498-1499), which returns null for bytes it cannot bind, then
 * MaterializedViewRuntimeMetadata.fromZNRecord. All three are compiled from their sources.
 *
 * It also runs PartitionFingerprint.decode / decodeMap on each line of codec-inputs.txt.
 *
 * Outcomes:
 *   "absent"  deserialize returned null: fetch returns null, as for a missing znode;
 *             "jackson" carries the first line of the Jackson exception it swallowed.
 *   "threw"   fromZNRecord threw: "exception" (class simple name) and "message".
 *   "read"    fromZNRecord returned: id, watermarkMs, partitions (key = bucket start).
 */
public final class ZnRecordHarness {
  /** Reaches the serializer's own ObjectMapper, to report why deserialize returned null. */
  private static final class Probe extends ZNRecordSerializer {
    static ObjectMapper mapper() {
      return mapper;
    }
  }

  public static void main(String[] args) throws IOException {
    Path corpus = Path.of(args[0]);
    List<Path> files = new ArrayList<>();
    try (Stream<Path> stream = Files.list(corpus)) {
      stream.filter(p -> p.getFileName().toString().endsWith(".znode")).sorted().forEach(files::add);
    }
    StringBuilder out = new StringBuilder();
    out.append("{\n  \"generator\": ").append(quote(generator())).append(",\n  \"cases\": {");
    String separator = "\n";
    for (Path file : files) {
      String name = file.getFileName().toString();
      name = name.substring(0, name.length() - ".znode".length());
      out.append(separator).append("    ").append(quote(name)).append(": ");
      out.append(outcome(Files.readAllBytes(file)));
      separator = ",\n";
    }
    out.append("\n  },\n  \"codecs\": [");
    // PartitionFingerprint.decode and decodeMap over each line of codec-inputs.txt (beside
    // the cases directory); results re-encoded with encode / encodeMap.
    Path codecInputs = corpus.resolveSibling("codec-inputs.txt");
    separator = "\n";
    for (String input : Files.readAllLines(codecInputs, java.nio.charset.StandardCharsets.UTF_8)) {
      out.append(separator).append("    {\"input\": ").append(quote(input));
      out.append(", \"decode\": ").append(codec(() -> PartitionFingerprint.decode(input).encode()));
      out.append(", \"decodeMap\": ")
          .append(codec(() -> PartitionFingerprint.encodeMap(PartitionFingerprint.decodeMap(input))));
      out.append("}");
      separator = ",\n";
    }
    out.append("\n  ],\n  \"javaDecimalDigitZeros\": [");
    // Long.parseLong accepts every UTF-16 unit with Character.digit(c, 10) >= 0: the BMP's
    // Unicode decimal digits, which come in runs of ten starting at a zero.
    separator = "";
    for (int c = 0; c <= 0xFFFF; c++) {
      int digit = Character.digit((char) c, 10);
      int zero = c - digit;
      if (digit >= 0 && Character.digit((char) zero, 10) != 0) {
        throw new IllegalStateException("digit run not starting at a zero: " + c);
      }
      if (digit == 0) {
        for (int k = 0; k < 10; k++) {
          if (Character.digit((char) (c + k), 10) != k) {
            throw new IllegalStateException("digit run of fewer than ten at " + c);
          }
        }
        out.append(separator).append(c);
        separator = ", ";
      }
    }
    out.append("]\n}\n");
    System.out.print(out);
  }

  private static String generator() {
    return "ZnRecordHarness: Helix 2.0.0 ZNRecordSerializer, Pinot ca5c042d034 fromZNRecord, Jackson "
        + PackageVersion.VERSION + " (databind "
        + com.fasterxml.jackson.databind.cfg.PackageVersion.VERSION + "), Java "
        + System.getProperty("java.version");
  }

  private static String outcome(byte[] bytes) {
    ZNRecord record = (ZNRecord) new ZNRecordSerializer().deserialize(bytes);
    if (record == null) {
      return "{\"outcome\": \"absent\", \"jackson\": " + quote(whyAbsent(bytes)) + "}";
    }
    MaterializedViewRuntimeMetadata runtime;
    try {
      runtime = MaterializedViewRuntimeMetadata.fromZNRecord(record);
    } catch (RuntimeException e) {
      return "{\"outcome\": \"threw\", \"exception\": " + quote(e.getClass().getSimpleName())
          + ", \"message\": " + quote(firstLine(String.valueOf(e.getMessage()))) + "}";
    }
    StringBuilder out = new StringBuilder("{\"outcome\": \"read\", \"id\": ");
    String id = runtime.getMaterializedViewTableNameWithType();
    out.append(id == null ? "null" : quote(withoutLoneSurrogates(id)));
    if (id != null && !id.equals(withoutLoneSurrogates(id))) {
      // JSON readers such as serde_json refuse lone surrogate escapes: give the units too.
      out.append(", \"idUtf16\": [");
      for (int i = 0; i < id.length(); i++) {
        out.append(i == 0 ? "" : ", ").append((int) id.charAt(i));
      }
      out.append("]");
    }
    out.append(", \"watermarkMs\": ").append(runtime.getWatermarkMs()).append(", \"partitions\": {");
    String separator = "";
    for (Map.Entry<Long, PartitionInfo> entry : new TreeMap<>(runtime.getPartitions()).entrySet()) {
      PartitionInfo info = entry.getValue();
      out.append(separator).append(quote(Long.toString(entry.getKey()))).append(": {\"state\": ")
          .append(quote(info.getState().encode())).append(", \"segmentCount\": ")
          .append(info.getFingerprint().getSegmentCount()).append(", \"crc\": ")
          .append(info.getFingerprint().getCrcChecksum()).append(", \"lastRefreshTime\": ")
          .append(info.getLastRefreshTime()).append("}");
      separator = ", ";
    }
    return out.append("}}").toString();
  }

  /** {"ok": result} or {"threw": exception class}. */
  private static String codec(java.util.function.Supplier<String> run) {
    try {
      return "{\"ok\": " + quote(run.get()) + "}";
    } catch (RuntimeException e) {
      return "{\"threw\": " + quote(e.getClass().getSimpleName()) + "}";
    }
  }

  private static String whyAbsent(byte[] bytes) {
    if (bytes.length == 0) {
      return "(empty data: deserialize returns null before parsing)";
    }
    try {
      Object value = Probe.mapper().readValue(bytes, ZNRecord.class);
      return value == null ? "(JSON null)" : "(no exception on a second read)";
    } catch (Exception e) {
      return e.getClass().getSimpleName() + ": " + firstLine(String.valueOf(e.getMessage()));
    }
  }

  /** Replaces each unpaired surrogate by U+FFFD, as Rust's String::from_utf16_lossy does. */
  private static String withoutLoneSurrogates(String text) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        out.append(c).append(text.charAt(++i));
      } else if (Character.isSurrogate(c)) {
        out.append('\ufffd');
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static String firstLine(String text) {
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline);
  }

  /** A JSON string literal; every non-printable-ASCII UTF-16 unit escaped as backslash-u. */
  private static String quote(String text) {
    StringBuilder out = new StringBuilder("\"");
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20 || c > 0x7e) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.append('"').toString();
  }
}
