#!/bin/sh
# Meson install script: installs the sample configuration SRC as DST
# (absolute; under DESTDIR if set) unless DST already exists.
set -eu
src=$1
# Meson gives DESTDIR+prefix and prefix, both absolute: DESTDIR is what is
# in front. DST may be outside prefix (/etc with prefix /usr).
destdir=${MESON_INSTALL_DESTDIR_PREFIX%"$MESON_INSTALL_PREFIX"}
dst=$destdir$2
if [ -e "$dst" ]; then
    echo "Keeping existing $dst (sample: $src)"
    exit 0
fi
mkdir -p "$(dirname "$dst")"
cp "$src" "$dst"
chmod 644 "$dst"
echo "Installing $src to $(dirname "$dst")"
