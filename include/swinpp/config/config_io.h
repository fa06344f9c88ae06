#pragma once

#include <string>
#include <vector>

#include "swinpp/config/config.h"

namespace swinpp::config {

/// Loads a YAML config file in the official schema and validates it.
///
/// Starting from the defaults, the files named in the file's `BASE:` list are
/// applied first (paths relative to the including file, each with its own
/// BASE, recursively), then the file itself; maps merge key by key and later
/// values override earlier ones. Then `opts` is applied: a flat list of
/// dotted keys and values, `{"TRAIN.BASE_LR", "1e-3", "MODEL.SWINV2.DEPTHS",
/// "[2, 2, 6, 2]"}`, each value parsed as YAML. An empty `path` starts from
/// the defaults alone (the built-in SwinV2-T). When no source sets
/// TRAIN.CHECKPOINT_STAGES, every stage takes TRAIN.USE_CHECKPOINT.
///
/// Throws swinpp::Error naming the dotted key and the file (or "--opts") for
/// an unknown key, a value of the wrong type, a missing or unreadable file, a
/// BASE cycle, and (naming the key) for any check of validate().
Config load_config(const std::string& path, const std::vector<std::string>& opts = {});

/// Reads a config from YAML text in the same schema, without BASE, on top of
/// the defaults, and validates it: the inverse of to_yaml().
/// Throws swinpp::Error as load_config() does, naming `source` as the file.
Config from_yaml_string(const std::string& text, const std::string& source = "<string>");

/// The config as YAML in the official schema, every key written, sections in
/// schema order, numbers written so that they read back exactly. For
/// checkpoints and the start-up log.
std::string to_yaml(const Config& config);

}  // namespace swinpp::config
