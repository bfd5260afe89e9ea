"""A scripted MongoDB server for tests/adapters/mongo_mockupdb_test.cpp, on
mockupdb (Debian's python3-mockupdb), which decodes simul's OP_MSG requests
with pymongo's own BSON and OP_MSG code: a check of the wire format by a
parser nobody here wrote.

Prints the port, then expects, in order:
  1. insert of three documents in a kind-1 "documents" sequence, each with an
     ObjectId _id first; answers a duplicate-key write error for index 1;
  2. find with batchSize 2; answers cursor 77 with two documents;
  3. killCursors for cursor 77 (the client stopped early);
  4. update with upsert; answers an upserted _id.
Prints "ok" and exits 0, or prints what was wrong and exits 1.
"""
import sys

from bson import ObjectId
from bson.int64 import Int64
from mockupdb import MockupDB


OUT = sys.stdout


def say(text):
    OUT.write(text + "\n")
    OUT.flush()


def fail(msg):
    say("FAIL " + msg)
    sys.exit(1)


def main():
    server = MockupDB(auto_ismaster=True, max_wire_version=13, request_timeout=10, verbose="-v" in sys.argv)
    server.autoresponds("hello", {"isWritablePrimary": True, "minWireVersion": 0, "maxWireVersion": 13,
                                  "maxBsonObjectSize": 16777216, "maxMessageSizeBytes": 48000000,
                                  "maxWriteBatchSize": 100000})
    sys.stdout = sys.stderr  # mockupdb's own messages (with -v) go to stderr
    port = server.run()
    say(str(port))

    r = server.receives(timeout=10)
    if r.command_name != "insert" or r.doc["insert"] != "people":
        fail("expected insert into people, got %r" % (r.doc,))
    docs = r.doc.get("documents")
    if not docs or len(docs) != 3:
        fail("expected 3 documents in the sequence, got %r" % (docs,))
    for d in docs:
        if list(d.keys())[0] != "_id" or not isinstance(d["_id"], ObjectId):
            fail("document without an ObjectId _id first: %r" % (d,))
    if [d["name"] for d in docs] != ["a", "b", "c"] or r.doc.get("$db") != "app":
        fail("wrong documents or $db: %r" % (r.doc,))
    r.reply({"ok": 1, "n": 1, "writeErrors": [
        {"index": 1, "code": 11000, "errmsg": "E11000 duplicate key error collection: app.people"}]})

    r = server.receives(timeout=10)
    if r.command_name != "find" or r.doc.get("batchSize") != 2 or r.doc.get("filter") != {"age": {"$gt": 30}}:
        fail("expected find with batchSize 2 and the filter, got %r" % (r.doc,))
    r.reply({"ok": 1, "cursor": {"id": Int64(77), "ns": "app.people",
                                  "firstBatch": [{"name": "x"}, {"name": "y"}]}})

    r = server.receives(timeout=10)
    if r.command_name != "killCursors" or list(r.doc.get("cursors", [])) != [77] or r.doc["killCursors"] != "people":
        fail("expected killCursors for 77 on people, got %r" % (r.doc,))
    r.reply({"ok": 1, "cursorsKilled": [Int64(77)]})

    r = server.receives(timeout=10)
    ups = r.doc.get("updates") or [{}]
    if r.command_name != "update" or ups[0].get("upsert") is not True or ups[0].get("multi") is not False \
            or ups[0].get("u") != {"$set": {"age": 40}}:
        fail("expected an upserting update_one, got %r" % (r.doc,))
    r.reply({"ok": 1, "n": 1, "nModified": 0, "upserted": [{"index": 0, "_id": "new-id"}]})

    say("ok")
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
