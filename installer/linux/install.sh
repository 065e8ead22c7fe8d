#!/bin/sh
# Install the unpacked Forensics Toolkit: the `forensics` and `forensics-app` commands, the menu
# entry and the icon. For this user by default; for everyone with --system (as root). The program
# stays where it was unpacked: move the folder first if you want it elsewhere (e.g. /opt).
#   ./install.sh [--system] [--uninstall]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
system=0
uninstall=0
for arg in "$@"; do
    case "$arg" in
        --system) system=1 ;;
        --uninstall) uninstall=1 ;;
        -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
        *) echo "install.sh: unknown option $arg (use --system, --uninstall)" >&2; exit 2 ;;
    esac
done
if [ "$system" = 1 ]; then
    [ "$(id -u)" = 0 ] || { echo "install.sh: --system needs root (sudo ./install.sh --system)" >&2; exit 2; }
    bin=/usr/local/bin
    share=/usr/local/share
else
    bin="$HOME/.local/bin"
    share="${XDG_DATA_HOME:-$HOME/.local/share}"
fi
desktop="$share/applications/forensics-toolkit.desktop"
icons="$share/icons/hicolor"

if [ "$uninstall" = 1 ]; then
    for cmd in forensics forensics-app; do
        [ -L "$bin/$cmd" ] && rm -f "$bin/$cmd"
    done
    rm -f "$desktop" "$icons/scalable/apps/forensics-toolkit.svg"
    for size in 16 24 32 48 64 128 256 512; do
        rm -f "$icons/${size}x${size}/apps/forensics-toolkit.png"
    done
    echo "Removed the commands, the menu entry and the icon (the program folder $here is left as it is)."
    exit 0
fi

mkdir -p "$bin" "$share/applications" "$icons/scalable/apps"
ln -sfn "$here/forensics" "$bin/forensics"
ln -sfn "$here/forensics-app" "$bin/forensics-app"
# The menu entry starts this copy by its full path (quoted: the folder may contain spaces).
sed -e "s|^TryExec=.*|TryExec=$here/forensics-app|" -e "s|^Exec=.*|Exec=\"$here/forensics-app\"|" \
    "$here/share/applications/forensics-toolkit.desktop" > "$desktop"
cp "$here/share/icons/hicolor/scalable/apps/forensics-toolkit.svg" "$icons/scalable/apps/"
for png in "$here"/share/icons/hicolor/*/apps/forensics-toolkit.png; do
    size=$(basename "$(dirname "$(dirname "$png")")")
    mkdir -p "$icons/$size/apps"
    cp "$png" "$icons/$size/apps/"
done
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$share/applications" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$icons" || true
echo "Installed: $bin/forensics, $bin/forensics-app and the menu entry \"Forensics Toolkit\"."
case ":$PATH:" in *":$bin:"*) ;; *) echo "Add $bin to PATH to run the commands by name." ;; esac
echo "Check this workstation now: forensics doctor"
