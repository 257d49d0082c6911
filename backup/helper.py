# Runs inside a helper container made from the tenant's backend image (it has python3), with the
# tenant's volumes mounted. Two jobs, chosen by argv[1]:
#
#   capture <service>...   copy /src/<service> to /out/volumes/<service>: SQLite databases
#                          through SQLite's online backup API (a consistent copy while the app
#                          writes), redis's dump.rdb alone (taken after a BGSAVE), any other file
#                          as it is; -wal/-shm/-journal files are part of their database's copy;
#                          a symbolic link as a link (never followed). Devices, FIFOs and sockets
#                          are not copied (reading one may never end) and are listed as skipped.
#                          Writes /out/files.json: each entry's kind, owner and mode, each
#                          source file's mtime as seen once its copy is done, and what it skipped.
#   restore <service>...   empty /dst/<service> and fill it from /stage/volumes/<service>: files
#                          copied, links made again (never followed), anything else left out;
#                          every entry gets the owner and mode in /stage/files.json.
#   times <service>...     print each file's mtime (ms) under /src/<service> as JSON.
import json, os, shutil, sqlite3, stat, sys

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


def special(st):
    for test, what in ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket")):
        if test(st.st_mode):
            return what
    return "neither a file, a directory nor a link"


def capture(services):
    files, dirs, times, skipped = {}, {}, {}, {}
    for svc in services:
        src, dst = "/src/" + svc, "/out/volumes/" + svc
        for root, subdirs, names in os.walk(src):
            rel_root = os.path.relpath(root, src)
            out_root = os.path.normpath(os.path.join(dst, rel_root))
            os.makedirs(out_root, exist_ok=True)
            dirs[os.path.normpath(svc + "/" + rel_root)] = meta(root)
            # os.walk lists a link to a directory among the directories, and does not enter it.
            for name in sorted(names + [d for d in subdirs if os.path.islink(os.path.join(root, d))]):
                p = os.path.join(root, name)
                rel = os.path.normpath(svc + "/" + rel_root + "/" + name)
                # Before anything else: copying the database through SQLite may remove its -wal and
                # -shm (the last connection to close checkpoints and deletes them: a stopped tenant's).
                if side_file(p):
                    continue
                st = os.lstat(p)
                if stat.S_ISLNK(st.st_mode):
                    os.symlink(os.readlink(p), os.path.join(out_root, name))
                    files[rel] = dict(meta(p), kind="symlink")
                    continue
                if not stat.S_ISREG(st.st_mode):
                    skipped[rel] = special(st)
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
        json.dump({"files": files, "dirs": dirs, "sourceTimes": times, "skipped": skipped}, f)


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
            for name in names + [d for d in subdirs if os.path.islink(os.path.join(root, d))]:
                p, out = os.path.join(root, name), os.path.join(out_root, name)
                st = os.lstat(p)
                if stat.S_ISLNK(st.st_mode):
                    os.symlink(os.readlink(p), out)
                elif stat.S_ISREG(st.st_mode):
                    # O_NOFOLLOW: the stage's entry itself, never what a link points at.
                    with os.fdopen(os.open(p, os.O_RDONLY | os.O_NOFOLLOW), "rb") as i, open(out, "wb") as o:
                        shutil.copyfileobj(i, o)
    for rel, m in sorted(listing["dirs"].items()) + sorted(listing["files"].items()):
        svc = rel.split("/")[0]
        if svc not in services or ".." in rel.split("/"):
            continue
        p = "/dst/" + rel
        if os.path.lexists(p):
            os.chown(p, m["uid"], m["gid"], follow_symlinks=False)
            # Linux cannot chmod a link itself; chmod on one would change its target.
            if not os.path.islink(p):
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
