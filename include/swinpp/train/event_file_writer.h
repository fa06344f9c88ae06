#pragma once

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "swinpp/data/image.h"

namespace swinpp::train {

/// Writes a TensorBoard event file, `dir`/events.out.tfevents.SECONDS.HOST.PID:
/// TFRecord framing (length, its masked CRC-32C, the payload, its masked
/// CRC-32C) around tensorflow.Event messages. Records are written whole and
/// flush() pushes them to the file, so TensorBoard can read it during a run.
class EventFileWriter {
 public:
  /// Creates the file (and `dir`) and writes the file-version record. Throws
  /// swinpp::Error naming the file when it cannot be created.
  explicit EventFileWriter(const std::string& dir);

  /// Marks a start at `step` (SessionLog START): TensorBoard drops what earlier
  /// files hold for `step` and later, so a resumed run shows no step twice.
  void start_session(int64_t step);
  /// A scalar (simple_value) under `tag`.
  void add_scalar(const std::string& tag, double value, int64_t step);
  /// An RGB picture under `tag`, PNG-encoded.
  void add_image(const std::string& tag, const data::Image& image, int64_t step);
  /// Text under `tag` (the text plugin's string tensor; Markdown is rendered).
  void add_text(const std::string& tag, const std::string& text, int64_t step);
  /// Writes the buffered records to the file. Throws swinpp::Error on an I/O failure.
  void flush();

  /// The event file's path.
  const std::string& path() const { return path_; }

 private:
  void write_event(const std::string& event);

  std::string path_;
  std::ofstream out_;
};

/// CRC-32C (Castagnoli), the checksum of TFRecord framing before its masking.
uint32_t crc32c(const void* data, size_t size);

}  // namespace swinpp::train
