#include "swinpp/train/checkpoint.h"

#include <fcntl.h>
#include <unistd.h>

#include <torch/serialize.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <vector>

#include "checkpoint_manifest.h"
#include "swinpp/io/archive_file.h"
#include "swinpp/io/atomic_file_writer.h"
#include "swinpp/io/safetensors.h"
#include "swinpp/io/state_dict.h"
#include "swinpp/util/error.h"

namespace swinpp::train {

namespace fs = std::filesystem;

namespace {
constexpr const char* kPrefix = "ckpt_step_";
constexpr const char* kDeleting = ".deleting";
constexpr const char* kPartial = ".tmp";

/// Flushes a folder's entries (the files renamed into it) to disk.
void sync_folder(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    throw Error("cannot open '" + path.string() + "' to sync it: " + std::strerror(errno));
  const int error = ::fsync(fd) == 0 ? 0 : errno;
  ::close(fd);
  if (error != 0 && error != EINVAL)
    throw Error("cannot sync folder '" + path.string() + "': " + std::strerror(error));
}

void write_text(const fs::path& path, const std::string& text) {
  io::write_file_atomically(path.string(), text.data(), text.size());
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("checkpoint file '" + path.string() + "' is missing");
  return std::string(std::istreambuf_iterator<char>(in), {});
}

nlohmann::json read_state(const fs::path& folder) {
  nlohmann::json state;
  try {
    state = nlohmann::json::parse(read_text(folder / kStateFile));
  } catch (const nlohmann::json::exception& e) {
    throw Error("checkpoint '" + folder.string() + "' has a malformed state.json: " + e.what());
  }
  if (!state.is_object())
    throw Error("checkpoint '" + folder.string() + "': state.json holds a " + state.type_name() +
                ", expected an object");
  return state;
}

/// The field `key` of a checkpoint's state as a T, or `fallback` when absent.
template <typename T>
T state_field(const nlohmann::json& state, const char* key, const fs::path& folder,
              std::optional<T> fallback = std::nullopt) {
  if (!state.contains(key)) {
    if (fallback) return *fallback;
    throw Error("checkpoint '" + folder.string() + "': state.json has no '" + key + "'");
  }
  try {
    return state.at(key).get<T>();
  } catch (const nlohmann::json::exception& e) {
    throw Error("checkpoint '" + folder.string() + "': state.json field '" + key +
                "' has the wrong type: " + e.what());
  }
}

/// Throws swinpp::Error naming the first file of `folder` that is missing,
/// truncated or corrupted. Checkpoints written before manifests existed pass.
void verify_checkpoint(const fs::path& folder) {
  const nlohmann::json state = read_state(folder);
  if (state.contains("files")) verify_checkpoint_files(folder, state.at("files"));
}

std::vector<fs::path> checkpoint_folders(const std::string& dir) {
  std::vector<fs::path> out;
  if (!fs::is_directory(dir)) return out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const auto name = entry.path().filename().string();
    if (entry.is_directory() && name.rfind(kPrefix, 0) == 0 &&
        name.find('.') == std::string::npos && fs::exists(entry.path() / kCompleteFile))
      out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());  // zero-padded step numbers sort in order
  return out;
}
}  // namespace

std::string save_checkpoint(const std::string& dir, const CheckpointParts& parts,
                            const TrainingPosition& position) {
  char name[64];
  std::snprintf(name, sizeof(name), "%s%08ld", kPrefix, static_cast<long>(position.step));
  const fs::path final_dir = fs::path(dir) / name;
  const fs::path tmp = fs::path(dir) / (std::string(name) + kPartial);
  dist::Communicator* comm = parts.communicator;
  const bool main = comm == nullptr || comm->rank() == 0;
  if (main) {
    fs::remove_all(tmp);
    fs::create_directories(tmp);
  }
  if (comm) comm->barrier();
  try {
    parts.updater->save(tmp.string());
    if (!main) {
      comm->barrier();  // rank 0 has renamed the folder
      return final_dir.string();
    }
    io::save_safetensors((tmp / "model.safetensors").string(), io::state_dict_of(*parts.model));
    if (parts.ema)
      io::save_safetensors((tmp / "ema.safetensors").string(), parts.ema->state_dict());
    {
      torch::serialize::OutputArchive archive, scaler;
      parts.scaler->save(scaler);
      archive.write("scaler", scaler);
      io::save_archive(archive, (tmp / "trainer.pt").string());
    }
    // Every file so far went through the atomic writer (synced); the manifest
    // of their sizes and checksums comes last, then the completion marker.
    const nlohmann::json state = {{"epoch", position.epoch},
                                  {"next_batch", position.next_batch},
                                  {"step", position.step},
                                  {"epoch_end", position.epoch_end},
                                  {"task", parts.task},
                                  {"config", parts.config_yaml},
                                  {"files", describe_checkpoint_files(tmp)}};
    write_text(tmp / kStateFile, state.dump(2));
    write_text(tmp / kCompleteFile, "");
    fs::remove_all(final_dir);
    fs::rename(tmp, final_dir);
    sync_folder(dir);
  } catch (const std::exception& e) {
    // The previous checkpoints are untouched; the partial folder is removed so
    // that it frees the space it took.
    if (main) {
      std::error_code ignored;
      fs::remove_all(tmp, ignored);
    }
    throw Error("checkpoint of step " + std::to_string(position.step) +
                " not written: " + e.what());
  }
  if (comm) comm->barrier();
  return final_dir.string();
}

TrainingPosition load_checkpoint(const std::string& folder, const CheckpointParts& parts) {
  const fs::path f(folder);
  if (!fs::exists(f / kCompleteFile))
    throw Error("'" + folder + "' is not a complete swinpp checkpoint (no COMPLETE marker)");
  verify_checkpoint(f);
  const auto state = read_state(f);
  const auto task = state_field<std::string>(state, "task", f, std::string());
  if (task != parts.task)
    throw Error("checkpoint '" + folder + "' is from a '" + task + "' run, not '" + parts.task +
                "'");
  io::load_state_dict(*parts.model, io::load_safetensors((f / "model.safetensors").string()),
                      io::LoadOptions{/*strict=*/true, false});
  if (parts.ema) {
    if (!fs::exists(f / "ema.safetensors"))
      throw Error("checkpoint '" + folder + "' has no ema.safetensors but TRAIN.EMA is enabled");
    parts.ema->load_state_dict(io::load_safetensors((f / "ema.safetensors").string()));
  }
  parts.updater->load(folder);
  torch::serialize::InputArchive archive, scaler;
  archive.load_from((f / "trainer.pt").string());
  archive.read("scaler", scaler);
  parts.scaler->load(scaler);
  TrainingPosition p;
  p.epoch = state_field<int64_t>(state, "epoch", f);
  p.next_batch = state_field<int64_t>(state, "next_batch", f);
  p.step = state_field<int64_t>(state, "step", f);
  p.epoch_end = state_field<bool>(state, "epoch_end", f, false);
  return p;
}

std::optional<std::string> latest_checkpoint(const std::string& dir) {
  const auto folders = checkpoint_folders(dir);
  if (folders.empty()) return std::nullopt;
  return folders.back().string();
}

IntactCheckpoint latest_intact_checkpoint(const std::string& dir) {
  IntactCheckpoint found;
  const auto folders = checkpoint_folders(dir);
  for (auto it = folders.rbegin(); it != folders.rend(); ++it) {
    try {
      verify_checkpoint(*it);
    } catch (const Error& e) {
      found.damaged.push_back(e.what());
      continue;
    }
    found.folder = it->string();
    break;
  }
  return found;
}

void consolidate_checkpoint(const std::string& folder) {
  const fs::path f(folder);
  if (!fs::exists(f / kCompleteFile))
    throw Error("'" + folder + "' is not a complete swinpp checkpoint (no COMPLETE marker)");
  verify_checkpoint(f);
  consolidate_optimizer_shards(folder);
  nlohmann::json state = read_state(f);
  state["files"] = describe_checkpoint_files(f);
  write_text(f / kStateFile, state.dump(2));
}

void prune_checkpoints(const std::string& dir, int keep) {
  // Removals and saves a crash interrupted.
  for (const auto& entry : fs::directory_iterator(dir)) {
    const auto name = entry.path().filename().string();
    const auto extension = entry.path().extension();
    if (name.rfind(kPrefix, 0) == 0 && (extension == kDeleting || extension == kPartial))
      fs::remove_all(entry.path());
  }
  auto folders = checkpoint_folders(dir);
  int kept = 0;
  for (auto it = folders.rbegin(); it != folders.rend(); ++it) {
    bool epoch_end = false;
    try {
      epoch_end = state_field<bool>(read_state(*it), "epoch_end", *it, false);
    } catch (const Error&) {
      continue;  // a damaged checkpoint is left for its owner to look at
    }
    if (epoch_end) continue;
    if (kept++ < keep) continue;
    // Renamed away first (atomically), so that a crash during the removal
    // never leaves a half-deleted folder that still looks complete.
    fs::path doomed = *it;
    doomed += kDeleting;
    fs::rename(*it, doomed);
    fs::remove_all(doomed);
  }
}

}  // namespace swinpp::train
