#include "swinpp/dist/parameter_broadcast.h"

#include <torch/torch.h>

#include <string>

#include "swinpp/util/error.h"

namespace swinpp::dist {
namespace {

/// Broadcasts tensors[indices] as one flat buffer (or in place when there is
/// one contiguous tensor) and copies the result back.
void broadcast_chunk(const std::vector<torch::Tensor>& tensors, const std::vector<size_t>& indices,
                     Communicator& comm, int root) {
  if (indices.size() == 1 && tensors[indices.front()].is_contiguous()) {
    torch::Tensor target = tensors[indices.front()];
    comm.broadcast(target, root);
    return;
  }
  std::vector<torch::Tensor> flat_parts;
  for (const size_t i : indices) {
    flat_parts.push_back(tensors[i].reshape({-1}));
  }
  torch::Tensor flat = torch::cat(flat_parts);  // [sum of numels]
  comm.broadcast(flat, root);
  int64_t offset = 0;
  for (const size_t i : indices) {
    torch::Tensor target = tensors[i];
    target.copy_(flat.narrow(0, offset, target.numel()).view(target.sizes()));
    offset += target.numel();
  }
}

}  // namespace

void broadcast_parameters(const std::vector<torch::Tensor>& tensors, Communicator& comm, int root) {
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (!tensors[i].defined()) {
      throw Error("broadcast_parameters: tensor " + std::to_string(i) + " is undefined");
    }
  }
  torch::NoGradGuard no_grad;
  std::vector<size_t> chunk;
  int64_t chunk_bytes = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const torch::Tensor& t = tensors[i];
    const bool joins = !chunk.empty() && chunk_bytes < kBroadcastChunkBytes &&
                       tensors[chunk.front()].scalar_type() == t.scalar_type() &&
                       tensors[chunk.front()].device() == t.device();
    if (!chunk.empty() && !joins) {
      broadcast_chunk(tensors, chunk, comm, root);
      chunk.clear();
      chunk_bytes = 0;
    }
    chunk.push_back(i);
    chunk_bytes += t.numel() * static_cast<int64_t>(t.element_size());
  }
  if (!chunk.empty()) {
    broadcast_chunk(tensors, chunk, comm, root);
  }
}

void broadcast_module(const torch::nn::Module& module, Communicator& comm, int root) {
  std::vector<torch::Tensor> tensors = module.parameters(/*recurse=*/true);
  for (const torch::Tensor& buffer : module.buffers(/*recurse=*/true)) {
    tensors.push_back(buffer);
  }
  broadcast_parameters(tensors, comm, root);
}

}  // namespace swinpp::dist
