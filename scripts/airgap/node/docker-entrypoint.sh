#!/bin/sh
# Same as the official node image's entrypoint: run the command with node if the first
# argument looks like a flag or is not a command (or is a non-executable file).
set -e
if [ "${1#-}" != "${1}" ] || [ -z "$(command -v "${1}")" ] || { [ -f "${1}" ] && ! [ -x "${1}" ]; }; then
	set -- node "$@"
fi
exec "$@"
