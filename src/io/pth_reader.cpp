#include "swinpp/io/pth_reader.h"

#include <caffe2/serialize/inline_container.h>
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include "read_only_file.h"
#include "restricted_unpickler.h"
#include "swinpp/util/error.h"

namespace swinpp::io {

namespace {

using detail::PickleValue;
using Kind = PickleValue::Kind;
using caffe2::serialize::PyTorchStreamReader;

/// Runs `body`, turning LibTorch's zip reader errors into swinpp::Error about `path`.
template <class Body>
auto with_zip_errors(const std::string& path, const Body& body) {
  try {
    return body();
  } catch (const c10::Error& error) {
    throw Error("'" + path +
                "': cannot read the torch.save zip archive: " + error.what_without_backtrace());
  }
}

std::string read_record(PyTorchStreamReader& reader, const std::string& name) {
  auto [data, size] = reader.getRecord(name);
  return std::string(static_cast<const char*>(data.get()), size);
}

/// Wraps the record data/KEY as a 1-D tensor of `numel` elements of `dtype`, without a copy.
torch::Tensor load_storage_record(PyTorchStreamReader& reader, const std::string& path,
                                  const std::string& key, torch::ScalarType dtype, int64_t numel) {
  const std::string record = "data/" + key;
  if (!reader.hasRecord(record)) {
    throw Error("'" + path + "': the pickle references storage '" + key + "' but the record '" +
                record + "' is missing");
  }
  auto [data, size] = reader.getRecord(record);
  std::size_t expected = 0;
  if (__builtin_mul_overflow(static_cast<std::size_t>(numel), torch::elementSize(dtype),
                             &expected) ||
      size != expected) {
    throw Error("'" + path + "': storage record '" + record + "' holds " + std::to_string(size) +
                " bytes, but " + std::to_string(numel) + " elements of " + c10::toString(dtype) +
                " need " + std::to_string(expected));
  }
  c10::Storage storage(c10::Storage::use_byte_size_t(), size, std::move(data),
                       /*allocator=*/nullptr, /*resizable=*/false);
  return torch::empty({0}, torch::dtype(dtype)).set_(storage, 0, {numel}, {1});  // [numel]
}

bool maps_names_to_tensors(const PickleValue& dict) {
  if (dict.entries->empty()) return false;
  for (const auto& [key, value] : *dict.entries) {
    if (!key.is(Kind::string) || !value.is(Kind::tensor)) return false;
  }
  return true;
}

/// The value last assigned to `name` in `dict`, or nullptr.
const PickleValue* find_entry(const PickleValue& dict, const std::string& name) {
  for (auto entry = dict.entries->rbegin(); entry != dict.entries->rend(); ++entry) {
    if (entry->first.is(Kind::string) && entry->first.text == name) return &entry->second;
  }
  return nullptr;
}

std::string describe_keys(const PickleValue& dict) {
  std::string keys;
  for (const auto& entry : *dict.entries) {
    if (!keys.empty()) keys += ", ";
    keys += entry.first.is(Kind::string) ? "'" + entry.first.text + "'" : entry.first.type_name();
  }
  return keys.empty() ? "none" : keys;
}

TensorMap to_tensor_map(const PickleValue& dict, const std::string& where) {
  TensorMap tensors;
  for (const auto& [key, value] : *dict.entries) {
    if (!key.is(Kind::string)) {
      throw Error(where + ": a key of type " + std::string(key.type_name()) +
                  " is not a tensor name");
    }
    if (value.is(Kind::placeholder))
      throw Error(where + ": '" + key.text + "': " + detail::global_not_allowed(value.text));
    if (!value.is(Kind::tensor)) {
      throw Error(where + ": '" + key.text + "' is of type " + value.type_name() +
                  ", not a tensor");
    }
    tensors[key.text] = value.tensor;  // a later assignment to a key replaces the earlier
  }
  return tensors;
}

TensorMap select_state_dict(const PickleValue& root, const std::string& path,
                            const std::string& entry) {
  const std::string where = "'" + path + "'";
  if (root.is(Kind::placeholder))
    throw Error(where + ": the saved object: " + detail::global_not_allowed(root.text));
  if (!root.is(Kind::dict)) {
    throw Error(where + ": the saved object is of type " + std::string(root.type_name()) +
                ", expected a dict");
  }
  if (const PickleValue* selected = find_entry(root, entry)) {
    if (selected->is(Kind::placeholder))
      throw Error(where + ": entry '" + entry + "': " + detail::global_not_allowed(selected->text));
    if (!selected->is(Kind::dict)) {
      throw Error(where + ": entry '" + entry + "' is of type " + selected->type_name() +
                  ", expected a state dict");
    }
    return to_tensor_map(*selected, where + " entry '" + entry + "'");
  }
  if (maps_names_to_tensors(root)) return to_tensor_map(root, where);
  throw Error(
      where + ": no entry '" + entry +
      "' and the top-level dict is not a state dict itself; its keys: " + describe_keys(root));
}

}  // namespace

bool is_zip_file(const std::string& path) {
  const detail::ReadOnlyFile file(path);
  if (file.size() < 4) return false;
  char magic[4];
  file.read_at(0, magic, sizeof(magic));
  return magic[0] == 'P' && magic[1] == 'K' && magic[2] == '\x03' && magic[3] == '\x04';
}

TensorMap load_pth_state_dict(const std::string& path, const std::string& entry) {
  if (!is_zip_file(path)) {
    throw Error("'" + path +
                "' is not a torch.save zip archive (it does not start with \"PK\"); files "
                "saved with _use_new_zipfile_serialization=False are not supported");
  }
  return with_zip_errors(path, [&] {
    PyTorchStreamReader reader(path);
    if (!reader.hasRecord("data.pkl")) {
      throw Error("'" + path + "': the zip archive has no data.pkl record");
    }
    if (reader.hasRecord("byteorder") && read_record(reader, "byteorder") != "little") {
      throw Error("'" + path + "': big-endian archives are not supported");
    }
    const std::string pickle = read_record(reader, "data.pkl");
    detail::RestrictedUnpickler unpickler(
        pickle, "'" + path + "' data.pkl",
        [&](const std::string& key, torch::ScalarType dtype, int64_t numel) {
          return load_storage_record(reader, path, key, dtype, numel);
        });
    TensorMap tensors = select_state_dict(unpickler.run(), path, entry);
    spdlog::debug("read {} tensors from '{}'", tensors.size(), path);
    return tensors;
  });
}

}  // namespace swinpp::io
