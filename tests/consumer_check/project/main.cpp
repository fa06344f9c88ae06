// A program outside the swinpp tree, built against an installed swinpp with
// find_package(swinpp): builds a small SwinV2 and checks the output shape.
#include <swinpp/model/swin_transformer_v2.h>
#include <swinpp/util/threads.h>
#include <torch/torch.h>

#include <iostream>

int main() {
  swinpp::configure_threads(1);
  swinpp::SwinV2Options options;
  options.img_size = 64, options.window_size = 4, options.embed_dim = 16;
  options.depths = {1, 1, 1, 1}, options.num_heads = {1, 2, 4, 8}, options.num_classes = 7;
  swinpp::SwinTransformerV2 model(options);
  model->eval();
  const auto logits = model->forward(torch::randn({2, 3, 64, 64}));
  std::cout << "consumer: logits " << logits.sizes() << "\n";
  return logits.sizes() == torch::IntArrayRef({2, 7}) ? 0 : 1;
}
