#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "swinpp/data/file_bytes.h"
#include "swinpp/data/image_decoder.h"
#include "swinpp/data/tar_shards.h"
#include "swinpp/io/safetensors.h"
#include "swinpp/train/checkpoint.h"
#include "swinpp/train/classification_task.h"
#include "swinpp/train/model_factory.h"
#include "swinpp/train/simmim_task.h"
#include "swinpp/train/trainer.h"
#include "swinpp/util/error.h"
#include "train_fixture.h"

namespace swinpp::testing {
namespace {

TEST(Trainer, ResumeMidEpochIsBitIdentical) {
  TempDir tmp("swinpp_resume");
  const auto data = make_tiny_dataset(tmp.path / "data");
  // 24 images, batch 4: 6 steps per epoch, 12 in all. Stop at 5 (mid-epoch), resume.
  auto c = tiny_config(data, (tmp.path / "straight").string());
  train::Trainer straight(c, std::make_shared<train::ClassificationTask>(c));
  straight.fit();

  auto r = tiny_config(data, (tmp.path / "resumed").string());
  {
    train::TrainerOptions first;
    first.max_steps = 5;
    train::Trainer part(r, std::make_shared<train::ClassificationTask>(r), first);
    part.fit();
  }
  train::Trainer rest(r, std::make_shared<train::ClassificationTask>(r));
  rest.fit();
  expect_bit_identical(final_weights(straight), final_weights(rest));
}

TEST(Trainer, AccumulationMatchesABatchOfTheSameSize) {
  TempDir tmp("swinpp_accum");
  const auto data = make_tiny_dataset(tmp.path / "data");
  auto big = tiny_config(data, (tmp.path / "big").string());
  big.model.drop_path_rate = 0.0;
  big.aug.mixup = 0.0, big.aug.cutmix = 0.0, big.aug.reprob = 0.0;
  big.train.scale_lr = false;
  big.data.num_workers = 0;
  auto small = big;
  small.output = (tmp.path / "small").string();
  small.data.batch_size = 2;
  small.train.accumulation_steps = 2;
  train::TrainerOptions o;
  o.max_steps = 3;
  train::Trainer a(big, std::make_shared<train::ClassificationTask>(big), o);
  a.fit();
  train::Trainer b(small, std::make_shared<train::ClassificationTask>(small), o);
  b.fit();
  const auto wa = final_weights(a), wb = final_weights(b);
  for (const auto& [key, value] : wa)
    EXPECT_TRUE(torch::allclose(value, wb.at(key), 1e-4, 1e-6)) << key;
}

TEST(Trainer, Bfloat16AutocastWithEmaTrains) {
  TempDir tmp("swinpp_amp");
  const auto data = make_tiny_dataset(tmp.path / "data");
  auto c = tiny_config(data, (tmp.path / "run").string());
  c.amp_enable = true;
  c.train.ema.enable = true;
  train::TrainerOptions o;
  o.max_steps = 2;
  train::Trainer trainer(c, std::make_shared<train::ClassificationTask>(c), o);
  const auto metrics = trainer.fit();
  EXPECT_TRUE(metrics.count("val_top1"));
  EXPECT_TRUE(metrics.count("ema_val_top1"));
  for (const auto& [key, value] : final_weights(trainer))
    EXPECT_TRUE(torch::isfinite(value.to(torch::kFloat32)).all().item<bool>()) << key;
}

TEST(Trainer, RestartingAFinishedRunReportsItWithoutTraining) {
  TempDir tmp("swinpp_finished");
  const auto data = make_tiny_dataset(tmp.path / "data");
  const auto c = tiny_config(data, (tmp.path / "run").string());
  train::Trainer first(c, std::make_shared<train::ClassificationTask>(c));
  const auto metrics = first.fit();
  const auto weights = final_weights(first);
  const auto latest = train::latest_checkpoint(first.run_dir() + "/checkpoints");
  train::Trainer again(c, std::make_shared<train::ClassificationTask>(c));
  const auto reported = again.fit();
  ASSERT_TRUE(reported.count("val_top1"));
  EXPECT_EQ(reported.at("val_top1"), metrics.at("val_top1"));
  EXPECT_EQ(train::latest_checkpoint(again.run_dir() + "/checkpoints"), latest);
  expect_bit_identical(final_weights(again), weights);
}

TEST(Trainer, CheckpointFoldersAreCompleteAndPruned) {
  TempDir tmp("swinpp_ckpt");
  const auto data = make_tiny_dataset(tmp.path / "data");
  auto c = tiny_config(data, (tmp.path / "run").string());
  c.train.save_steps = 1;
  train::Trainer trainer(c, std::make_shared<train::ClassificationTask>(c));
  trainer.fit();
  int step_checkpoints = 0;
  for (const auto& e : std::filesystem::directory_iterator(trainer.run_dir() + "/checkpoints")) {
    EXPECT_EQ(e.path().extension(), "") << "leftover temporary " << e.path();
    EXPECT_TRUE(std::filesystem::exists(e.path() / "COMPLETE"));
    ++step_checkpoints;
  }
  // Epoch ends (steps 6 and 12) plus the two newest step checkpoints.
  EXPECT_EQ(step_checkpoints, 4);
  EXPECT_TRUE(std::filesystem::exists(trainer.run_dir() + "/metrics.jsonl"));
}

/// `data`'s train/ and val/ as tar shards of 7 samples under `out` (train/, val/).
std::string make_shard_dataset(const std::string& data, const std::filesystem::path& out,
                               bool labelled = true) {
  data::ShardWriterOptions o;
  o.per_shard = 7;
  for (const char* split : {"train", "val"})
    data::write_tar_shards(data::Dataset::open(data + "/" + split, labelled),
                           (out / split).string(), o);
  return out.string();
}

TEST(Trainer, TarShardsTrainExactlyAsTheirImageFolder) {
  TempDir tmp("swinpp_shards_train");
  const auto data = make_tiny_dataset(tmp.path / "data");
  const auto shards = make_shard_dataset(data, tmp.path / "shards");
  const auto c = tiny_config(data, (tmp.path / "folder").string());
  train::Trainer from_folder(c, std::make_shared<train::ClassificationTask>(c));
  const auto folder_metrics = from_folder.fit();
  const auto s = tiny_config(shards, (tmp.path / "shards_run").string());
  train::Trainer from_shards(s, std::make_shared<train::ClassificationTask>(s));
  const auto shard_metrics = from_shards.fit();
  expect_bit_identical(final_weights(from_folder), final_weights(from_shards));
  ASSERT_TRUE(shard_metrics.count("val_top1"));
  EXPECT_EQ(shard_metrics.at("val_top1"), folder_metrics.at("val_top1"));
  EXPECT_EQ(shard_metrics.at("val_loss"), folder_metrics.at("val_loss"));
}

TEST(SimMIMTraining, PretrainsFromABracePatternOfShards) {
  TempDir tmp("swinpp_shards_simmim");
  const auto data = make_tiny_dataset(tmp.path / "data");
  make_shard_dataset(data, tmp.path / "shards", /*labelled=*/false);
  auto c = tiny_config((tmp.path / "shards" / "train" / "shard-{000000..000003}.tar").string(),
                       (tmp.path / "run").string());
  train::TrainerOptions options;
  options.max_steps = 3;
  train::Trainer trainer(c, std::make_shared<train::SimMIMTask>(c), options);
  trainer.fit();
  EXPECT_TRUE(train::latest_checkpoint(trainer.run_dir() + "/checkpoints").has_value());
}

TEST(SimMIMTraining, LossDecreasesOnAFixedBatch) {
  torch::manual_seed(0);
  TempDir tmp("swinpp_simmim_fixed");
  const auto data = make_tiny_dataset(tmp.path / "data");
  auto c = tiny_config(data, (tmp.path / "run").string());
  c.model.drop_path_rate = 0.0;
  train::SimMIMTask task(c);
  auto loader = task.make_train_loader(0, 1);
  loader->start_epoch(0);
  auto batch = *loader->next();
  auto model = task.model();
  torch::optim::AdamW opt(model->parameters(), torch::optim::AdamWOptions(2e-3));
  data::Generator gen(0);
  double first = 0, last = 0;
  for (int i = 0; i < 50; ++i) {
    opt.zero_grad();
    auto loss = task.loss(task.loss_inputs(batch, gen));
    loss.backward();
    opt.step();
    (i == 0 ? first : last) = loss.item<double>();
  }
  EXPECT_LT(last, 0.7 * first) << "first " << first << " last " << last;
}

TEST(SimMIMTraining, PretrainedCheckpointFineTunesWithAnotherWindow) {
  TempDir tmp("swinpp_handoff");
  const auto data = make_tiny_dataset(tmp.path / "data");
  auto p = tiny_config(data, (tmp.path / "pre").string());
  p.train.preview_steps = 1;
  train::TrainerOptions o;
  o.max_steps = 2;
  train::Trainer pre(p, std::make_shared<train::SimMIMTask>(p), o);
  pre.fit();
  for (const char* name : {"step_1.png", "step_2.png"})
    EXPECT_TRUE(std::filesystem::exists(pre.run_dir() + "/reconstructions/" + name)) << name;
  // The reconstruction picture decodes: 3 columns of 32 pixels, one 32-pixel row per image.
  const auto png = data::read_file_bytes(pre.run_dir() + "/reconstructions/epoch_0.png");
  const auto picture = data::decode_png(png.data(), png.size());
  EXPECT_EQ(picture.width, 3 * 32);
  EXPECT_EQ(picture.height, 4 * 32);
  const auto ckpt = *train::latest_checkpoint(pre.run_dir() + "/checkpoints");

  // 32/w4 -> 64/w8 with the pre-training windows given, as 192/w12 -> 256/w16.
  auto f = tiny_config(data, (tmp.path / "ft").string());
  f.data.img_size = 64;
  f.model.swinv2.window_size = 8;
  f.model.swinv2.pretrained_window_sizes = {4, 4, 4, 4};
  f.model.pretrained = ckpt;
  train::ClassificationTask task(f);
  const auto pre_weights = io::load_safetensors(ckpt + "/model.safetensors");
  auto params = task.model()->named_parameters();
  EXPECT_TRUE(torch::equal(params["layers.1.blocks.0.attn.cpb_mlp.0.weight"],
                           pre_weights.at("encoder.layers.1.blocks.0.attn.cpb_mlp.0.weight")));
  EXPECT_TRUE(torch::equal(params["patch_embed.proj.weight"],
                           pre_weights.at("encoder.patch_embed.proj.weight")));
  auto buffers = task.model()->named_buffers();
  EXPECT_EQ(buffers["layers.0.blocks.0.attn.relative_coords_table"].sizes(),
            torch::IntArrayRef({1, 15, 15, 2}));
  train::Trainer ft(f, std::make_shared<train::ClassificationTask>(f), o);
  ft.fit();
}

TEST(RebuildSwinV2, NewWindowAndImageSizeKeepTheWeights) {
  torch::manual_seed(0);
  auto o = swinv2_variant("tiny");
  o.img_size = 64, o.window_size = 4, o.embed_dim = 16, o.num_heads = {1, 2, 4, 8};
  o.depths = {1, 1, 2, 1}, o.num_classes = 5;
  SwinTransformerV2 model(o);
  auto n = o;
  n.img_size = 128, n.window_size = 8, n.pretrained_window_sizes = {4, 4, 4, 4};
  auto rebuilt = train::rebuild_swinv2(*model, n);
  auto old_params = model->named_parameters();
  for (const auto& item : rebuilt->named_parameters())
    EXPECT_TRUE(torch::equal(item.value(), old_params[item.key()])) << item.key();
  EXPECT_EQ(rebuilt->named_buffers()["layers.0.blocks.0.attn.relative_position_index"].size(0), 64);
  rebuilt->eval();
  EXPECT_EQ(rebuilt->forward(torch::randn({1, 3, 128, 128})).sizes(), torch::IntArrayRef({1, 5}));
  n.embed_dim = 32;
  EXPECT_THROW(train::rebuild_swinv2(*model, n), Error);
}

}  // namespace
}  // namespace swinpp::testing
