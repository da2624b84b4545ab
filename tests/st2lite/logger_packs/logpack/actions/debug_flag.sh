#!/bin/sh
printf '%s' "$ST2_ACTION_DEBUG"
