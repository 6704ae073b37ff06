"""Deploying the operator's own app: sources (directory, git), manifests and deltas, and releases
on the instance (build, health-gated switch, rollback) over an SSH transport the caller owns."""

from .release import (DeployError, DeployResult, Release, Target, deploy, releases, restart, rollback,
                      site_config)
from .source import AppPlan, Source, SourceError, clone, pack_directory, plan

__all__ = ["AppPlan", "DeployError", "DeployResult", "Release", "Source", "SourceError", "Target", "clone",
           "deploy", "pack_directory", "plan", "releases", "restart", "rollback", "site_config"]
