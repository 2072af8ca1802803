#!/usr/bin/env python3
"""Marks one symbol-version need of an ELF shared library as weak (VER_FLG_WEAK), in place.

libLibTorchSharp.so (TorchSharp 0.107) records a need for GLIBCXX_3.4.32 only through
std::ios_base_library_init(), a link anchor no relocation uses. Debian 12's libstdc++ stops at
GLIBCXX_3.4.30, so ld.so refuses the library although nothing in it needs the newer version.
A weak need lets it load. Hosts whose libstdc++ has the version are left untouched by the build.

    weaken-elf-version-need.py LIBRARY VERSION
Exit codes: 0 patched or already weak, 1 the library has no such need, 2 not a 64-bit little-endian ELF.
"""
import os
import struct
import sys

SHT_GNU_VERNEED = 0x6FFFFFFE
VER_FLG_WEAK = 0x2


def main(path, version):
    with open(path, "r+b") as f:
        data = bytearray(f.read())
        if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
            print(f"{path}: not a 64-bit little-endian ELF file", file=sys.stderr)
            return 2
        shoff, = struct.unpack_from("<Q", data, 0x28)
        shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
        sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
        for name, kind, flags, addr, offset, size, link, info, align, entsize in sections:
            if kind != SHT_GNU_VERNEED:
                continue
            strings = sections[link][4]
            need = offset
            for _ in range(info):
                _, count, _, aux, next_need = struct.unpack_from("<HHIII", data, need)
                entry = need + aux
                for _ in range(count):
                    _, flag, _, name_offset, next_aux = struct.unpack_from("<IHHII", data, entry)
                    end = data.index(b"\0", strings + name_offset)
                    if data[strings + name_offset:end].decode() == version:
                        if not flag & VER_FLG_WEAK:
                            struct.pack_into("<H", data, entry + 4, flag | VER_FLG_WEAK)
                            before = os.fstat(f.fileno())
                            f.seek(0)
                            f.write(data)
                            f.flush()
                            # The copy keeps the time of the file it was copied from, so the next build's
                            # copy sees it unchanged (same size, same time) and does not write over it again,
                            # under processes that have it loaded.
                            os.utime(f.fileno(), ns=(before.st_atime_ns, before.st_mtime_ns))
                            print(f"{path}: the need for {version} is now weak")
                        return 0
                    entry += next_aux
                need += next_need
        print(f"{path}: no need for {version}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
