#!/bin/sh
# The execution as the API returns it, fetched with the variables StackStorm gives every action.
set -e
printf '%s' "$ST2_ACTION_AUTH_TOKEN" > "$1"
echo "pack=$ST2_ACTION_PACK_NAME"
curl -sS --fail -H "X-Auth-Token: $ST2_ACTION_AUTH_TOKEN" \
    "$ST2_ACTION_API_URL/executions/$ST2_ACTION_EXECUTION_ID"
