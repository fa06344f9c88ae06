"""Writes official_training_checkpoint.pth (run with the venv's torch 2.11, from this folder).

A checkpoint as the official Swin Transformer's main.py saves it: a dict of
'model' (the state dict of make_torch_save_fixtures.py, whose values are in
torch_save_expected.safetensors), 'optimizer' (AdamW after one step),
'lr_scheduler' (timm's cosine schedule), 'max_accuracy', 'scaler' (a GradScaler's
state), 'epoch' and 'config', a yacs CfgNode. yacs itself is not installed: a
dict subclass named yacs.config.CfgNode with yacs's attributes pickles the same
way (NEWOBJ, SETITEMS, then BUILD of its __dict__, which holds a set). The
configuration also holds a numpy scalar, as configurations often do.
"""
import sys
import types

import numpy as np
import torch
from timm.scheduler.cosine_lr import CosineLRScheduler

from make_torch_save_fixtures import state_dict


class CfgNode(dict):
    """yacs.config.CfgNode's pickled shape: dict items plus these attributes."""

    def __init__(self, init_dict=None):
        super().__init__(init_dict or {})
        self.__dict__["__immutable__"] = False
        self.__dict__["__deprecated_keys__"] = set()
        self.__dict__["__renamed_keys__"] = {}
        self.__dict__["__new_allowed__"] = False


yacs = types.ModuleType("yacs")
yacs.config = types.ModuleType("yacs.config")
yacs.config.CfgNode = CfgNode
CfgNode.__module__ = "yacs.config"
sys.modules["yacs"] = yacs
sys.modules["yacs.config"] = yacs.config

model = state_dict()
params = [p for p in model.values() if p.is_floating_point() and p.dtype == torch.float32
          and p.numel() > 0]
params = [torch.nn.Parameter(p.detach().clone()) for p in params]
optimizer = torch.optim.AdamW(params, lr=1e-3, weight_decay=0.05)
for p in params:
    p.grad = torch.ones_like(p)
optimizer.step()
scheduler = CosineLRScheduler(optimizer, t_initial=300, lr_min=5e-6, warmup_t=20,
                              warmup_lr_init=5e-7, t_in_epochs=False)
scaler = torch.amp.GradScaler("cpu")

config = CfgNode({
    "DATA": CfgNode({"IMG_SIZE": 256, "DATASET": "imagenet", "INTERPOLATION": "bicubic"}),
    "MODEL": CfgNode({"TYPE": "swinv2", "NAME": "swinv2_tiny_patch4_window8_256",
                      "SWINV2": CfgNode({"DEPTHS": [2, 2, 6, 2], "PRETRAINED_WINDOW_SIZES": [0, 0, 0, 0]})}),
    "TRAIN": CfgNode({"BASE_LR": 5e-4, "BETAS": (0.9, 0.999), "BEST": np.float64(81.7)}),
})

torch.save({
    "model": model,
    "optimizer": optimizer.state_dict(),
    "lr_scheduler": scheduler.state_dict(),
    "max_accuracy": 81.7,
    "scaler": scaler.state_dict(),
    "epoch": 299,
    "config": config,
}, "official_training_checkpoint.pth")
