#!/usr/bin/env bash
# check-deb.sh CPACK CPACK_CONFIG SOURCE_DIR VERSION APP_ID
#
# Packages the build tree with `cpack -G DEB` into a temporary directory,
# checks the package's control fields and contents, unpacks it into a
# temporary root (nothing is installed on the system), validates the desktop
# integration files and runs the packaged binary: --version, a convert and a
# validate round trip on the reference document, and the GUI offscreen.
# Bounded in time (every program run has a timeout); cleans up after itself.
set -euo pipefail

if [[ $# -ne 5 ]]; then
    echo "usage: $0 CPACK CPACK_CONFIG SOURCE_DIR VERSION APP_ID" >&2
    exit 2
fi
cpack=$1 config=$2 source_dir=$3 version=$4 app_id=$5

work=$(mktemp -d "${TMPDIR:-/tmp}/loadstar-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
checks=0
ok() { checks=$((checks + 1)); echo "ok $checks - $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
# A tool the checks need: required in CI, where packaging/install-deps ran;
# elsewhere a missing one skips its check.
have() {
    command -v "$1" >/dev/null && return 0
    [[ -n "${CI:-}" ]] && fail "$1 is not installed (packaging/install-deps installs it)"
    echo "skip - $1 is not installed (packaging/install-deps installs it)"
    return 1
}

# The packaged program writes nothing outside the work directory.
export HOME=$work/home XDG_CONFIG_HOME=$work/home/.config XDG_DATA_HOME=$work/home/.local/share
export XDG_CACHE_HOME=$work/home/.cache XDG_RUNTIME_DIR=$work/runtime
mkdir -p "$HOME" && mkdir -m 0700 "$XDG_RUNTIME_DIR"
unset LD_LIBRARY_PATH QT_PLUGIN_PATH

# --- build the package -------------------------------------------------------
have dpkg-deb || exit 0
if ! timeout 240 "$cpack" -G DEB --config "$config" -B "$work/out" >"$work/cpack.log" 2>&1; then
    cat "$work/cpack.log" >&2
    fail "cpack -G DEB failed"
fi
shopt -s nullglob
debs=("$work"/out/loadstar_"$version"_*.deb)
[[ ${#debs[@]} -eq 1 ]] || fail "expected one loadstar_${version}_ARCH.deb, found: $(ls "$work/out")"
deb=${debs[0]}
ok "cpack -G DEB wrote $(basename "$deb")"

# --- control fields ----------------------------------------------------------
field() { dpkg-deb -f "$deb" "$1"; }
[[ "$(field Package)" == loadstar ]] || fail "Package is '$(field Package)'"
[[ "$(field Version)" == "$version" ]] || fail "Version is '$(field Version)', project says $version"
[[ "$(field Architecture)" == "$(dpkg --print-architecture)" ]] || fail "Architecture is '$(field Architecture)'"
for name in Maintainer Description Section Priority; do
    [[ -n "$(field "$name")" ]] || fail "no $name field"
done
ok "control: loadstar $version $(field Architecture), maintainer, description, section, priority"

depends=$(field Depends)
for package in libqt6core6 libqt6widgets6 libqt6network6 libqt6sql6 libqt6sql6-sqlite libqt6svg6 libc6; do
    [[ ", $depends," == *", $package"[\ ,]* ]] || fail "Depends lacks $package: $depends"
done
ok "Depends: $depends"

# --- contents ----------------------------------------------------------------
root=$work/root
dpkg-deb -x "$deb" "$root"
binary=$root/usr/bin/loadstar
desktop=$root/usr/share/applications/$app_id.desktop
metainfo=$root/usr/share/metainfo/$app_id.metainfo.xml
icon=$root/usr/share/icons/hicolor/scalable/apps/$app_id.svg
[[ -x "$binary" ]] || fail "no executable usr/bin/loadstar"
for path in "$desktop" "$metainfo" "$icon"; do
    [[ -s "$path" ]] || fail "missing or empty: ${path#"$root"}"
done
ok "files: /usr/bin/loadstar, ${desktop#"$root"}, ${metainfo#"$root"}, ${icon#"$root"}"

if have file; then
    file -b "$binary" | grep -q '^ELF .*executable.*, stripped' \
        || fail "usr/bin/loadstar is not a stripped ELF executable: $(file -b "$binary")"
    file -b "$icon" | grep -qi 'SVG' || fail "the icon is not an SVG: $(file -b "$icon")"
    ok "binary is a stripped ELF executable, icon is SVG"
fi
if command -v readelf >/dev/null && readelf -d "$binary" | grep -E 'R(UN)?PATH' | grep -q "$source_dir\|/build"; then
    fail "the packaged binary keeps a build-tree RUNPATH: $(readelf -d "$binary" | grep -E 'R(UN)?PATH')"
fi
unresolved=$(ldd "$binary" | grep 'not found' || true)
[[ -z "$unresolved" ]] || fail "unresolved libraries: $unresolved"
ok "every shared library resolves from the system"

# The three files name each other by the one application id.
grep -qx "Icon=$app_id" "$desktop" || fail "the .desktop file's Icon is not $app_id"
grep -qx "Exec=loadstar.*" "$desktop" || fail "the .desktop file does not run loadstar"
grep -q "<id>$app_id</id>" "$metainfo" || fail "metainfo id is not $app_id"
grep -q "<launchable type=\"desktop-id\">$app_id.desktop</launchable>" "$metainfo" \
    || fail "metainfo does not launch $app_id.desktop"
grep -q '<binary>loadstar</binary>' "$metainfo" || fail "metainfo does not provide the loadstar binary"
newest=$(grep -o '<release version="[^"]*"' "$metainfo" | head -n1 | cut -d'"' -f2)
[[ "$newest" == "$version" ]] || fail "metainfo's newest release is '$newest', project version is $version"
ok "desktop file, metainfo and icon agree on $app_id; newest release is $version"

if have desktop-file-validate; then
    desktop-file-validate "$desktop" || fail "desktop-file-validate rejected ${desktop#"$root"}"
    ok "desktop-file-validate"
fi
if have appstreamcli; then
    timeout 60 appstreamcli validate --no-net "$metainfo" >"$work/appstream.log" 2>&1 \
        || { cat "$work/appstream.log" >&2; fail "appstreamcli validate rejected ${metainfo#"$root"}"; }
    ok "appstreamcli validate --no-net"
fi

# --- the packaged program works -----------------------------------------------
run() { timeout 30 "$binary" "$@"; }
output=$(run --version) || fail "loadstar --version exited $?"
[[ "$output" == "loadstar $version" ]] || fail "loadstar --version printed '$output'"
ok "loadstar --version: $output"

run --help | grep -q 'convert IN OUT' || fail "loadstar --help does not list convert"
status=0; run convert >/dev/null 2>&1 || status=$?
[[ $status -eq 2 ]] || fail "loadstar convert with no arguments exited $status, want 2 (usage error)"
ok "loadstar --help lists the verbs; a usage error exits 2"

reference=$source_dir/resources/documents/reference.json
run convert "$reference" "$work/reference.loadstar" >/dev/null || fail "convert to .loadstar failed"
run validate "$work/reference.loadstar" || fail "validate of the converted reference document exited $?"
run convert "$work/reference.loadstar" "$work/reference.json" >/dev/null || fail "convert back to JSON failed"
run validate "$work/reference.json" >/dev/null || fail "validate of the round-tripped JSON exited $?"
ok "convert reference.json -> .loadstar -> .json, validate exits 0 on both"

# Stayed up until timeout's 124 = started and ran its event loop, with the
# platform plugin and every library found (a start-up failure exits early).
gui() {
    local status=0
    QT_QPA_PLATFORM=offscreen timeout -k 5 5 "$binary" "$@" >"$work/gui.log" 2>&1 || status=$?
    if [[ $status -ne 124 ]] || grep -qiE 'could not (load|find) the qt platform plugin|failed to start' "$work/gui.log"; then
        cat "$work/gui.log" >&2
        fail "the packaged GUI (loadstar $*) exited $status instead of staying up"
    fi
}
gui
gui "$work/reference.loadstar"
ok "the packaged GUI stays up offscreen, on the reference design and on an opened document"

echo "check-deb: all $checks checks passed"
