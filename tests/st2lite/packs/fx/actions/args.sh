#!/usr/bin/env bash
echo "args:$*"
