#include "swinpp/train/event_file_writer.h"

#include <unistd.h>

#include <boost/crc.hpp>
#include <chrono>
#include <filesystem>

#include "protobuf_wire.h"
#include "swinpp/data/image_encoder.h"
#include "swinpp/util/error.h"

namespace swinpp::train {

namespace {

// Field numbers of tensorflow/core/util/event.proto and
// tensorflow/core/framework/{summary,tensor,tensor_shape}.proto.
namespace event {
constexpr int kWallTime = 1, kStep = 2, kFileVersion = 3, kSummary = 5, kSessionLog = 7;
}
namespace summary_value {
constexpr int kTag = 1, kSimpleValue = 2, kImage = 4, kTensor = 8, kMetadata = 9;
}
namespace image {
constexpr int kHeight = 1, kWidth = 2, kColorspace = 3, kEncoded = 4;
constexpr int kRgb = 3;
}  // namespace image
namespace tensor {
constexpr int kDtype = 1, kShape = 2, kStringVal = 8;
constexpr int kDtString = 7;
}  // namespace tensor
constexpr int kSummaryValue = 1;      // Summary.value
constexpr int kPluginData = 1;        // SummaryMetadata.plugin_data
constexpr int kPluginName = 1;        // SummaryMetadata.PluginData.plugin_name
constexpr int kSessionLogStatus = 1;  // SessionLog.status
constexpr int kSessionLogStart = 1;   // SessionLog.START

double wall_time() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

/// An Event at `step` carrying one Summary.Value.
std::string summary_event(const std::string& value, int64_t step) {
  const auto summary = ProtoWriter().bytes(kSummaryValue, value).str();
  return ProtoWriter()
      .float64(event::kWallTime, wall_time())
      .varint(event::kStep, step)
      .bytes(event::kSummary, summary)
      .str();
}

/// TFRecord's masking of a CRC stored next to the data it covers.
uint32_t masked_crc(const void* data, size_t size) {
  const uint32_t crc = crc32c(data, size);
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "localhost";
  return name;
}

}  // namespace

uint32_t crc32c(const void* data, size_t size) {
  boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true> crc;
  crc.process_bytes(data, size);
  return crc.checksum();
}

EventFileWriter::EventFileWriter(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
  path_ = (std::filesystem::path(dir) / ("events.out.tfevents." + std::to_string(seconds) + "." +
                                         host_name() + "." + std::to_string(::getpid())))
              .string();
  out_.open(path_, std::ios::binary | std::ios::app);
  if (!out_) throw Error("cannot create the TensorBoard event file '" + path_ + "'");
  write_event(ProtoWriter()
                  .float64(event::kWallTime, wall_time())
                  .bytes(event::kFileVersion, "brain.Event:2")
                  .str());
  flush();
}

void EventFileWriter::start_session(int64_t step) {
  const auto log = ProtoWriter().varint(kSessionLogStatus, kSessionLogStart).str();
  write_event(ProtoWriter()
                  .float64(event::kWallTime, wall_time())
                  .varint(event::kStep, step)
                  .bytes(event::kSessionLog, log)
                  .str());
}

void EventFileWriter::add_scalar(const std::string& tag, double value, int64_t step) {
  write_event(summary_event(ProtoWriter()
                                .bytes(summary_value::kTag, tag)
                                .float32(summary_value::kSimpleValue, static_cast<float>(value))
                                .str(),
                            step));
}

void EventFileWriter::add_image(const std::string& tag, const data::Image& picture, int64_t step) {
  const auto png = data::encode_png(picture);
  const auto encoded = ProtoWriter()
                           .varint(image::kHeight, picture.height)
                           .varint(image::kWidth, picture.width)
                           .varint(image::kColorspace, image::kRgb)
                           .bytes(image::kEncoded, std::string(png.begin(), png.end()))
                           .str();
  write_event(summary_event(
      ProtoWriter().bytes(summary_value::kTag, tag).bytes(summary_value::kImage, encoded).str(),
      step));
}

void EventFileWriter::add_text(const std::string& tag, const std::string& text, int64_t step) {
  const auto plugin = ProtoWriter().bytes(kPluginName, "text").str();
  const auto metadata = ProtoWriter().bytes(kPluginData, plugin).str();
  const auto string_tensor = ProtoWriter()
                                 .varint(tensor::kDtype, tensor::kDtString)
                                 .bytes(tensor::kShape, "")  // a scalar
                                 .bytes(tensor::kStringVal, text)
                                 .str();
  write_event(summary_event(ProtoWriter()
                                .bytes(summary_value::kTag, tag)
                                .bytes(summary_value::kTensor, string_tensor)
                                .bytes(summary_value::kMetadata, metadata)
                                .str(),
                            step));
}

void EventFileWriter::flush() {
  out_.flush();
  if (!out_) throw Error("cannot write the TensorBoard event file '" + path_ + "'");
}

void EventFileWriter::write_event(const std::string& event) {
  // One record: [length u64][masked crc of length u32][event][masked crc of event u32].
  const uint64_t length = event.size();
  const uint32_t length_crc = masked_crc(&length, sizeof(length));
  const uint32_t data_crc = masked_crc(event.data(), event.size());
  std::string record;
  record.reserve(event.size() + 16);
  record.append(reinterpret_cast<const char*>(&length), sizeof(length));
  record.append(reinterpret_cast<const char*>(&length_crc), sizeof(length_crc));
  record += event;
  record.append(reinterpret_cast<const char*>(&data_crc), sizeof(data_crc));
  out_.write(record.data(), static_cast<std::streamsize>(record.size()));
  if (!out_) throw Error("cannot write the TensorBoard event file '" + path_ + "'");
}

}  // namespace swinpp::train
