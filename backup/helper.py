# Runs inside a helper container made from the tenant's backend image (it has python3), with the
# tenant's volumes mounted. Two jobs, chosen by argv[1]:
#
#   capture <service>...   copy /src/<service> to /out/volumes/<service>: SQLite databases
#                          through SQLite's online backup API (a consistent copy while the app
#                          writes), redis's dump.rdb alone (taken after a BGSAVE), any other file
#                          as it is; -wal/-shm/-journal files are part of their database's copy.
#                          Writes /out/files.json: each file's kind, owner and mode, and each
#                          source file's mtime as seen once its copy is done.
#   restore <service>...   empty /dst/<service> and fill it from /stage/volumes/<service>,
#                          giving every file and directory the owner and mode in /stage/files.json.
#   times <service>...     print each file's mtime (ms) under /src/<service> as JSON.
import json, os, shutil, sqlite3, sys

SIDE = ("-wal", "-shm", "-journal")
HEADER = b"SQLite format 3\x00"


def is_sqlite(p):
    try:
        with open(p, "rb") as f:
            return f.read(16) == HEADER
    except OSError:
        return False


def side_file(p):
    return any(p.endswith(s) and os.path.exists(p[: -len(s)]) for s in SIDE)


def meta(p):
    st = os.lstat(p)
    return {"uid": st.st_uid, "gid": st.st_gid, "mode": st.st_mode & 0o7777}


def capture(services):
    files, dirs, times = {}, {}, {}
    for svc in services:
        src, dst = "/src/" + svc, "/out/volumes/" + svc
        for root, subdirs, names in os.walk(src):
            rel_root = os.path.relpath(root, src)
            out_root = os.path.normpath(os.path.join(dst, rel_root))
            os.makedirs(out_root, exist_ok=True)
            dirs[os.path.normpath(svc + "/" + rel_root)] = meta(root)
            for name in sorted(names):
                p = os.path.join(root, name)
                rel = os.path.normpath(svc + "/" + rel_root + "/" + name)
                if os.path.islink(p) or not os.path.isfile(p) or side_file(p):
                    continue
                if svc == "redis" and name != "dump.rdb":
                    continue  # the append-only files are rebuilt from dump.rdb at start
                out = os.path.join(out_root, name)
                if is_sqlite(p):
                    source = sqlite3.connect(p, timeout=30)
                    target = sqlite3.connect(out)
                    with target:
                        source.backup(target)
                    check = target.execute("PRAGMA integrity_check").fetchone()[0]
                    target.close()
                    source.close()
                    if check != "ok":
                        sys.exit("integrity_check of the copy of %s: %s" % (rel, check))
                    kind = "sqlite"
                else:
                    shutil.copyfile(p, out)
                    kind = "redis" if svc == "redis" else "file"
                files[rel] = dict(meta(p), kind=kind)
                times[rel] = os.stat(p).st_mtime_ns // 1_000_000
    with open("/out/files.json", "w") as f:
        json.dump({"files": files, "dirs": dirs, "sourceTimes": times}, f)


def restore(services):
    with open("/stage/files.json") as f:
        listing = json.load(f)
    for svc in services:
        dst = "/dst/" + svc
        for entry in os.listdir(dst):
            p = os.path.join(dst, entry)
            if os.path.isdir(p) and not os.path.islink(p):
                shutil.rmtree(p)
            else:
                os.unlink(p)
        src = "/stage/volumes/" + svc
        for root, subdirs, names in os.walk(src):
            rel_root = os.path.relpath(root, src)
            out_root = os.path.normpath(os.path.join(dst, rel_root))
            os.makedirs(out_root, exist_ok=True)
            for name in names:
                shutil.copyfile(os.path.join(root, name), os.path.join(out_root, name))
    for rel, m in sorted(listing["dirs"].items()) + sorted(listing["files"].items()):
        svc = rel.split("/")[0]
        if svc not in services:
            continue
        p = "/dst/" + rel
        if os.path.lexists(p):
            os.chown(p, m["uid"], m["gid"], follow_symlinks=False)
            os.chmod(p, m["mode"])


def times(services):
    out = {}
    for svc in services:
        src = "/src/" + svc
        for root, subdirs, names in os.walk(src):
            for name in names:
                p = os.path.join(root, name)
                if os.path.isfile(p) and not os.path.islink(p):
                    out[os.path.normpath(svc + "/" + os.path.relpath(p, src))] = os.stat(p).st_mtime_ns // 1_000_000
    print(json.dumps(out))


{"capture": capture, "restore": restore, "times": times}[sys.argv[1]](sys.argv[2:])
