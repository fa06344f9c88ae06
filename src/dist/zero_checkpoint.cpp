// ZeroAdamW's state on disk (one file per rank) and across world sizes.
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "flat_layout.h"
#include "swinpp/dist/zero_optimizer.h"
#include "swinpp/dist/zero_state.h"
#include "swinpp/io/archive_file.h"
#include "swinpp/io/atomic_file_writer.h"
#include "swinpp/util/error.h"

namespace swinpp::dist {
namespace {

namespace fs = std::filesystem;

/// The parameter shapes, flattened for an archive: ndims [P] and dims [sum ndims].
void write_shapes(torch::serialize::OutputArchive& archive,
                  const std::vector<torch::Tensor>& params) {
  std::vector<int64_t> ndims;
  std::vector<int64_t> dims;
  for (const torch::Tensor& param : params) {
    ndims.push_back(param.dim());
    dims.insert(dims.end(), param.sizes().begin(), param.sizes().end());
  }
  archive.write("param_ndims", torch::tensor(ndims, torch::kLong));
  archive.write("param_dims", torch::tensor(dims, torch::kLong));
}

std::vector<std::vector<int64_t>> read_shapes(torch::serialize::InputArchive& archive) {
  torch::Tensor ndims;
  torch::Tensor dims;
  archive.read("param_ndims", ndims);
  archive.read("param_dims", dims);
  std::vector<std::vector<int64_t>> shapes;
  int64_t next = 0;
  for (int64_t p = 0; p < ndims.numel(); ++p) {
    const int64_t ndim = ndims[p].item<int64_t>();
    shapes.emplace_back();
    for (int64_t d = 0; d < ndim; ++d) {
      shapes.back().push_back(dims[next++].item<int64_t>());
    }
  }
  return shapes;
}

int64_t read_int(torch::serialize::InputArchive& archive, const std::string& key,
                 const std::string& file) {
  c10::IValue value;
  if (!archive.try_read(key, value) || !value.isInt()) {
    throw Error(file + ": expected an integer '" + key + "' in the ZeRO shard header");
  }
  return value.toInt();
}

/// (world_size, step) from the completion marker.
std::pair<int, int64_t> read_marker(const fs::path& dir) {
  const fs::path marker = dir / kZeroCompletionMarker;
  std::ifstream in(marker);
  if (!in) {
    throw Error(marker.string() +
                ": no completion marker; the ZeRO shards in this directory are missing or their "
                "save was interrupted");
  }
  std::string world_key;
  std::string step_key;
  int world = 0;
  int64_t step = -1;
  in >> world_key >> world >> step_key >> step;
  if (!in || world_key != "world_size" || step_key != "step" || world < 1 || step < 0) {
    throw Error(marker.string() + ": expected 'world_size <n>' and 'step <t>' lines");
  }
  return {world, step};
}

}  // namespace

std::string zero_shard_file_name(int rank, int world_size) {
  return "zero_shard_" + std::to_string(rank) + "_of_" + std::to_string(world_size) + ".pt";
}

void ZeroAdamW::save_shard(const std::string& dir) const {
  const fs::path root(dir);
  const int rank = comm_.rank();
  const int world = comm_.world_size();
  fs::create_directories(root);
  if (rank == 0) {
    fs::remove(root / kZeroCompletionMarker);
  }
  comm_.barrier();
  {
    torch::serialize::OutputArchive archive;
    archive.write("world_size", c10::IValue(static_cast<int64_t>(world)));
    archive.write("rank", c10::IValue(static_cast<int64_t>(rank)));
    archive.write("step", c10::IValue(step_count()));
    archive.write("shard_offset", c10::IValue(layout_->shard_offset()));
    archive.write("shard_numel", c10::IValue(layout_->shard_numel()));
    archive.write("total_numel", c10::IValue(layout_->total_numel()));
    write_shapes(archive, params_);
    archive.write("exp_avg", exp_avg_.cpu());
    archive.write("exp_avg_sq", exp_avg_sq_.cpu());
    io::save_archive(archive, (root / zero_shard_file_name(rank, world)).string());
  }
  comm_.barrier();
  if (rank == 0) {
    const std::string marker =
        "world_size " + std::to_string(world) + "\nstep " + std::to_string(step_count()) + "\n";
    io::write_file_atomically((root / kZeroCompletionMarker).string(), marker.data(),
                              marker.size());
  }
  comm_.barrier();
}

ZeroState consolidate_zero_shards(const std::string& dir) {
  const fs::path root(dir);
  const auto [world, step] = read_marker(root);
  std::vector<torch::Tensor> exp_avg_shards;
  std::vector<torch::Tensor> exp_avg_sq_shards;
  std::vector<std::vector<int64_t>> shapes;
  int64_t total = -1;
  for (int rank = 0; rank < world; ++rank) {
    const std::string file = (root / zero_shard_file_name(rank, world)).string();
    if (!fs::exists(file)) {
      throw Error(file + ": missing ZeRO shard of rank " + std::to_string(rank) + " of " +
                  std::to_string(world));
    }
    torch::serialize::InputArchive archive;
    archive.load_from(file, torch::kCPU);
    const int64_t shard_numel = read_int(archive, "shard_numel", file);
    const bool consistent = read_int(archive, "world_size", file) == world &&
                            read_int(archive, "rank", file) == rank &&
                            read_int(archive, "step", file) == step &&
                            read_int(archive, "shard_offset", file) == rank * shard_numel &&
                            (total < 0 || read_int(archive, "total_numel", file) == total);
    std::vector<std::vector<int64_t>> file_shapes = read_shapes(archive);
    if (!consistent || (rank > 0 && file_shapes != shapes)) {
      throw Error(file + ": header disagrees with the marker (world_size " + std::to_string(world) +
                  ", step " + std::to_string(step) + ") or with the shard of rank 0");
    }
    total = read_int(archive, "total_numel", file);
    shapes = std::move(file_shapes);
    torch::Tensor exp_avg;
    torch::Tensor exp_avg_sq;
    archive.read("exp_avg", exp_avg);
    archive.read("exp_avg_sq", exp_avg_sq);
    if (exp_avg.numel() != shard_numel || exp_avg_sq.numel() != shard_numel) {
      throw Error(file + ": expected moments of " + std::to_string(shard_numel) +
                  " elements, found " + std::to_string(exp_avg.numel()) + " and " +
                  std::to_string(exp_avg_sq.numel()));
    }
    exp_avg_shards.push_back(exp_avg);
    exp_avg_sq_shards.push_back(exp_avg_sq);
  }
  const torch::Tensor exp_avg = torch::cat(exp_avg_shards);        // [padded]
  const torch::Tensor exp_avg_sq = torch::cat(exp_avg_sq_shards);  // [padded]
  ZeroState state;
  state.step = step;
  int64_t offset = 0;
  for (const std::vector<int64_t>& shape : shapes) {
    const int64_t numel = c10::multiply_integers(shape);
    state.exp_avg.push_back(exp_avg.narrow(0, offset, numel).reshape(shape).clone());
    state.exp_avg_sq.push_back(exp_avg_sq.narrow(0, offset, numel).reshape(shape).clone());
    offset += numel;
  }
  if (offset != total) {
    throw Error(dir + ": the parameter shapes cover " + std::to_string(offset) +
                " elements, the shards " + std::to_string(total));
  }
  return state;
}

namespace {
constexpr const char* kStateFormat = "swinpp_adamw_state";

bool read_format(torch::serialize::InputArchive& archive) {
  c10::IValue format;
  return archive.try_read("format", format) && format.isString() &&
         format.toStringRef() == kStateFormat;
}
}  // namespace

void save_zero_state(const ZeroState& state, const std::string& path) {
  if (state.exp_avg.size() != state.exp_avg_sq.size()) {
    throw Error(path + ": a ZeRO state needs as many exp_avg as exp_avg_sq tensors, found " +
                std::to_string(state.exp_avg.size()) + " and " +
                std::to_string(state.exp_avg_sq.size()));
  }
  {
    torch::serialize::OutputArchive archive;
    archive.write("format", c10::IValue(std::string(kStateFormat)));
    archive.write("step", c10::IValue(state.step));
    archive.write("count", c10::IValue(static_cast<int64_t>(state.exp_avg.size())));
    for (size_t p = 0; p < state.exp_avg.size(); ++p) {
      archive.write("exp_avg/" + std::to_string(p), state.exp_avg[p].cpu());
      archive.write("exp_avg_sq/" + std::to_string(p), state.exp_avg_sq[p].cpu());
    }
    io::save_archive(archive, path);
  }
}

std::optional<ZeroState> load_zero_state(const std::string& path) {
  if (!fs::is_regular_file(path)) throw Error(path + ": optimizer state file is missing");
  torch::serialize::InputArchive archive;
  archive.load_from(path, torch::kCPU);
  if (!read_format(archive)) return std::nullopt;
  ZeroState state;
  state.step = read_int(archive, "step", path);
  const int64_t count = read_int(archive, "count", path);
  for (int64_t p = 0; p < count; ++p) {
    torch::Tensor exp_avg;
    torch::Tensor exp_avg_sq;
    archive.read("exp_avg/" + std::to_string(p), exp_avg);
    archive.read("exp_avg_sq/" + std::to_string(p), exp_avg_sq);
    state.exp_avg.push_back(exp_avg);
    state.exp_avg_sq.push_back(exp_avg_sq);
  }
  return state;
}

ZeroState ZeroAdamW::gather_state() const {
  torch::NoGradGuard no_grad;
  ZeroState state;
  state.step = step_count();
  for (const torch::Tensor* moment : {&exp_avg_, &exp_avg_sq_}) {
    torch::Tensor full = torch::empty({layout_->padded_numel()}, moment->options());  // [padded]
    comm_.all_gather(*moment, full);
    std::vector<torch::Tensor>& out = moment == &exp_avg_ ? state.exp_avg : state.exp_avg_sq;
    for (size_t p = 0; p < params_.size(); ++p) {
      const detail::FlatLayout::Segment& segment = layout_->segments()[p];
      out.push_back(
          full.narrow(0, segment.offset, segment.numel).reshape(params_[p].sizes()).cpu().clone());
    }
  }
  return state;
}

void ZeroAdamW::load_state(const ZeroState& state) {
  if (state.exp_avg.size() != params_.size() || state.exp_avg_sq.size() != params_.size()) {
    throw Error("ZeroAdamW::load_state: expected moments for " + std::to_string(params_.size()) +
                " parameters, found " + std::to_string(state.exp_avg.size()) + " and " +
                std::to_string(state.exp_avg_sq.size()));
  }
  for (size_t p = 0; p < params_.size(); ++p) {
    if (state.exp_avg[p].sizes() != params_[p].sizes() ||
        state.exp_avg_sq[p].sizes() != params_[p].sizes()) {
      throw Error("ZeroAdamW::load_state: parameter " + std::to_string(p) + " has shape " +
                  c10::str(params_[p].sizes()) + ", the state's moments " +
                  c10::str(state.exp_avg[p].sizes()) + " and " +
                  c10::str(state.exp_avg_sq[p].sizes()));
    }
  }
  torch::NoGradGuard no_grad;
  exp_avg_.zero_();
  exp_avg_sq_.zero_();
  for (const detail::FlatLayout::Overlap& overlap : layout_->shard_overlaps()) {
    const auto slice = [&](const torch::Tensor& full) {
      return full.reshape({-1}).narrow(0, overlap.param_begin, overlap.length);
    };
    exp_avg_.narrow(0, overlap.range_begin, overlap.length)
        .copy_(slice(state.exp_avg[overlap.param]));
    exp_avg_sq_.narrow(0, overlap.range_begin, overlap.length)
        .copy_(slice(state.exp_avg_sq[overlap.param]));
  }
  step_.fill_(static_cast<double>(state.step));
  reduced_ = false;
}

}  // namespace swinpp::dist
