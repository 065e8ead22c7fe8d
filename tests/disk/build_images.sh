#!/usr/bin/env bash
# Build the small disk images the disk tests use, with Debian's own tools, into OUT.
#   tests/disk/build_images.sh OUT [PYTHON]
# Never commit the results: tests run this into a temporary directory.
# Images: ext4 (mkfs.ext4 -d, Vietnamese names, a JPEG with EXIF, Chrome and Firefox
# history, a deleted file), ext2 (a deleted file, a directory loop, hostile names),
# FAT16 (mkfs.fat + mtools, Vietnamese long names, a deleted file, times written in
# Asia/Ho_Chi_Minh), NTFS (mkntfs + ntfscp, an alternate data stream), a disk with an
# MBR (primary + extended + logical) and one with GPT (sfdisk), the MBR disk as a
# two-segment E01 (ewfacquire), split raw, VMDK, VHD and QCOW2 (qemu-img), and damaged
# copies (truncated, empty).
set -euo pipefail
out="$(realpath "$1")"
python="${2:-python3}"
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export LC_ALL=C.UTF-8 SOURCE_DATE_EPOCH=1700000000 E2FSPROGS_FAKE_TIME=1700000000

# -- the files -------------------------------------------------------------------
tree="$work/tree"
mkdir -p "$tree/Tài liệu" "$tree/ảnh" "$tree/profile/Default" "$tree/firefox"
printf 'Báo cáo điều tra: nội dung mẫu.\nKEYWORD-ALPHA in an allocated file.\n' > "$tree/Tài liệu/báo cáo.txt"
printf 'Tin nhắn đã xoá: KEYWORD-DELETED\n%.0s' $(seq 1 200) > "$tree/Tài liệu/tin nhắn đã xoá.txt"
head -c 300000 /dev/zero | tr '\0' 'x' > "$tree/Tài liệu/lớn.bin"
"$python" "$here/make_artifacts.py" "$tree"
# for previews: a photo whose name says PDF, and text in UTF-16 (with its byte-order mark)
mkdir -p "$tree/Xem trước"
cp "$tree/ảnh/máy ảnh.jpg" "$tree/Xem trước/hợp đồng.pdf"
"$python" -c "import sys; open(sys.argv[1], 'wb').write('\ufeffBiên bản thu thập: nội dung UTF-16.\n'.encode('utf-16-le'))" \
    "$tree/Xem trước/biên bản utf16.txt"
touch -d '2024-03-01 08:30:00 UTC' "$tree/Tài liệu/báo cáo.txt"

# -- ext4 (mkfs.ext4 -d), then delete one file ---------------------------------------
truncate -s 16M "$out/ext4.img"
mkfs.ext4 -q -F -L "Ổ_DỮ_LIỆU" -b 1024 -I 256 -d "$tree" "$out/ext4.img"
debugfs -w -R 'rm "/Tài liệu/tin nhắn đã xoá.txt"' "$out/ext4.img" >/dev/null 2>&1

# -- ext2: deleted file with its block pointers kept, hostile names, a directory loop --
tree2="$work/tree2"
mkdir -p "$tree2/a/b"
printf 'ext2 deleted content KEYWORD-EXT2\n' > "$tree2/a/gone.txt"
printf 'reserved name\n' > "$tree2/CON"
printf 'dots\n' > "$tree2/..."
printf 'slash\n' > "$tree2/x_SLASH_y"
printf 'nul\n' > "$tree2/n_NUL_l"
printf 'climbs\n' > "$tree2/UPUPxx"
printf 'not utf-8\n' > "$tree2/$(printf 'bad\xffname.txt')"
truncate -s 4M "$out/ext2.img"
mkfs.ext2 -q -F -b 1024 -d "$tree2" "$out/ext2.img"
debugfs -w -R "rm /a/gone.txt" "$out/ext2.img" >/dev/null 2>&1
debugfs -w -R "link /a /a/b/loop" "$out/ext2.img" >/dev/null 2>&1
"$python" - "$out/ext2.img" <<'PY'
import sys
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
for old, new in ((b"x_SLASH_y", b"x_/_____y"), (b"n_NUL_l", b"n_\x00__l"), (b"UPUPxx", b"../../")):
    at = data.find(old)
    assert at > 0, old
    data[at:at + len(old)] = new.ljust(len(old), b"_")[: len(old)]
open(path, "wb").write(data)
PY

# -- FAT16 with long Vietnamese names; times written as Asia/Ho_Chi_Minh local time ----
truncate -s 8M "$out/fat.img"
mkfs.fat -F 16 -s 2 -n "USB_VN" -i 1234ABCD "$out/fat.img" >/dev/null
export MTOOLS_SKIP_CHECK=1
fattree="$work/fattree"
mkdir -p "$fattree"
printf 'Ghi chú trên USB KEYWORD-FAT\n' > "$fattree/ghi chú.txt"
printf 'one cluster deleted KEYWORD-FATDEL\n' > "$fattree/xoá.txt"
mkdir -p "$fattree/thư mục"
cp "$tree/Tài liệu/lớn.bin" "$fattree/thư mục/tệp lớn.bin"
head -c 1500000 /dev/urandom > "$fattree/thư mục/ngẫu nhiên.bin"  # so the E01 below needs two segments
touch -d '2024-03-01 08:30:00 UTC' "$fattree/ghi chú.txt"
TZ=Asia/Ho_Chi_Minh mcopy -s -m -i "$out/fat.img" "$fattree/ghi chú.txt" "$fattree/xoá.txt" "$fattree/thư mục" ::/
mdel -i "$out/fat.img" "::/xoá.txt"

# -- NTFS with an alternate data stream --------------------------------------------------
truncate -s 8M "$out/ntfs.img"
mkntfs -q -F -Q -L "NTFS_VN" "$out/ntfs.img" >/dev/null 2>&1
printf 'NTFS main stream\n' > "$work/main.txt"
printf 'hidden in a stream KEYWORD-ADS\n' > "$work/ads.txt"
ntfscp -q -f "$out/ntfs.img" "$work/main.txt" "tệp.txt" >/dev/null
ntfscp -q -f -N "bí_mật" "$out/ntfs.img" "$work/ads.txt" "tệp.txt" >/dev/null

# -- ext2 whose names hold control characters, a pipe and a backslash; a deleted name whose inode
#    was given to a new file (fls: "(realloc)", body file: "(deleted-realloc)") --------------------
tree3="$work/tree3"
mkdir -p "$tree3"
printf 'esc\n' > "$tree3/$(printf 'esc\033[8mhidden')"
printf 'cr\n' > "$tree3/$(printf 'line\rover')"
printf 'pipe\n' > "$tree3/a|b.txt"
printf 'backslash\n' > "$tree3/back\\x41slash"
mkdir -p "$tree3/cũ"
printf 'kept\n' > "$tree3/cũ/a-kept.txt"
printf 'first owner\n' > "$tree3/cũ/old.txt"
truncate -s 2M "$out/names.img"
mkfs.ext2 -q -F -b 1024 -d "$tree3" "$out/names.img"
debugfs -w -R "rm /cũ/old.txt" "$out/names.img" >/dev/null 2>&1
printf 'second owner\n' > "$work/new.txt"
debugfs -w -R "write $work/new.txt new.txt" "$out/names.img" >/dev/null 2>&1

# -- exFAT with a label (exfatprogs), HFS+ with a volume name (xorriso's HFS+ tree in an Apple
#    partition map), an empty APFS container (apfsprogs), alone and in a GPT disk ------------------
truncate -s 8M "$out/exfat-label.img"
mkfs.exfat -L "USB ẢNH" "$out/exfat-label.img" >/dev/null
hfstree="$work/hfstree"
mkdir -p "$hfstree/Tài liệu"
printf 'HFS+ nội dung\n' > "$hfstree/Tài liệu/ghi chú.txt"
xorriso -as mkisofs -quiet -hfsplus -V "HFS_NHAN" -o "$out/hfsplus.iso" "$hfstree" >/dev/null 2>&1
truncate -s 600M "$out/apfs.img"
mkapfs -L "Ổ_APFS" "$out/apfs.img" >/dev/null
# the same container inside a GPT disk (Apple's APFS partition type), after a FAT partition
truncate -s 620M "$out/gpt-apfs.img"
sfdisk -q "$out/gpt-apfs.img" <<'SF'
label: gpt
start=2048, size=16384, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name="fat"
start=20480, size=1228800, type=7C3457EF-0000-11AA-AA11-00306543ECAC, name="apfs"
SF
dd if="$out/fat.img" of="$out/gpt-apfs.img" bs=512 seek=2048 conv=notrunc status=none
dd if="$out/apfs.img" of="$out/gpt-apfs.img" bs=1M seek=10 conv=notrunc,sparse status=none
# an APFS volume whose superblock says "encrypted" (APFS_FS_UNENCRYPTED cleared, checksum redone): no
# FileVault image small enough can be had here, so this is the flag pstat and we both read, nothing more
cp --sparse=always "$out/apfs.img" "$out/apfs-encrypted-flag.img"
block=$(pstat "$out/apfs-encrypted-flag.img" | awk '/APSB Block Number/ {print $NF}')
"$python" - "$out/apfs-encrypted-flag.img" "$block" <<'PY'
import struct, sys
path, block = sys.argv[1], int(sys.argv[2])
with open(path, "r+b") as handle:
    handle.seek(block * 4096)
    data = bytearray(handle.read(4096))
    assert data[32:36] == b"APSB"
    struct.pack_into("<Q", data, 264, struct.unpack_from("<Q", data, 264)[0] & ~1)
    s1 = s2 = 0  # Fletcher-64 over the block after its checksum, as APFS objects carry it
    for (word,) in struct.iter_unpack("<I", bytes(data[8:])):
        s1 = (s1 + word) % 0xFFFFFFFF
        s2 = (s2 + s1) % 0xFFFFFFFF
    c1 = 0xFFFFFFFF - ((s1 + s2) % 0xFFFFFFFF)
    c2 = 0xFFFFFFFF - ((s1 + c1) % 0xFFFFFFFF)
    struct.pack_into("<Q", data, 0, (c2 << 32) | c1)
    handle.seek(block * 4096)
    handle.write(data)
PY

# -- partitioned disks: MBR (2 primary + extended with 1 logical) and GPT -----------------
truncate -s 40M "$out/mbr.img"
sfdisk -q "$out/mbr.img" <<'SF'
label: dos
start=2048, size=16384, type=6
start=18432, size=20480, type=83
start=38912, size=40960, type=5
start=40960, size=16384, type=7
SF
dd if="$out/fat.img" of="$out/mbr.img" bs=512 seek=2048 conv=notrunc status=none
dd if="$out/ext2.img" of="$out/mbr.img" bs=512 seek=18432 conv=notrunc status=none
dd if="$out/ntfs.img" of="$out/mbr.img" bs=512 seek=40960 conv=notrunc status=none
truncate -s 30M "$out/gpt.img"
sfdisk -q "$out/gpt.img" <<'SF'
label: gpt
start=2048, size=16384, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name="fat"
start=20480, size=32768, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="ext4"
SF
dd if="$out/fat.img" of="$out/gpt.img" bs=512 seek=2048 conv=notrunc status=none
dd if="$out/ext4.img" of="$out/gpt.img" bs=512 seek=20480 conv=notrunc status=none

# -- containers of the MBR disk ----------------------------------------------------------
ewfacquire -q -u -t "$out/mbr" -f encase6 -c deflate:fast -S 1048576 -C "VV-2026-001" -e "Nguyen Van A" \
    -E "USB-01" -D "test disk" -N "built by build_images.sh" -d sha1 "$out/mbr.img" >/dev/null
split -b 16M -d -a 3 "$out/mbr.img" "$out/mbr-split.img."
split -b 16M -a 2 "$out/mbr.img" "$out/mbr-alpha.img."
qemu-img convert -q -f raw -O vmdk "$out/mbr.img" "$out/mbr.vmdk"
qemu-img convert -q -f raw -O vpc -o subformat=fixed "$out/mbr.img" "$out/mbr.vhd"
qemu-img convert -q -f raw -O qcow2 "$out/mbr.img" "$out/mbr.qcow2"

# -- damaged copies ----------------------------------------------------------------------
head -c 25M "$out/mbr.img" > "$out/truncated.img"
: > "$out/empty.img"
echo "built in $out"
