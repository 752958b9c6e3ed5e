#!/bin/sh
# Validate deploy/haproxy.cfg with HAProxy itself (apt-get install haproxy).
set -eu
exec haproxy -c -f "$(dirname "$0")/haproxy.cfg"
