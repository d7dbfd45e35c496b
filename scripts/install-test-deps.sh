#!/usr/bin/env bash
# System packages the test suite needs beyond Python ones (idempotent).
set -euo pipefail
exit 0
