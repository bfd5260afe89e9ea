"""pymongo's side of tests/adapters/mongo_pymongo_test.cpp.

    mongo_pymongo_check.py PORT DB read    check the document simul wrote
    mongo_pymongo_check.py PORT DB write   write one for simul to check

Prints "ok" and exits 0, or prints what differs and exits 1. Run with
Debian's /usr/bin/python3 (python3-pymongo).
"""
import datetime
import sys

import pymongo
from bson import ObjectId
from bson.int64 import Int64

OID = ObjectId("507f1f77bcf86cd799439011")
WHEN = datetime.datetime(2023, 11, 14, 22, 13, 20, 123000)


def main():
    port, db, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    client = pymongo.MongoClient("127.0.0.1", port, serverSelectionTimeoutMS=5000, connect=True)
    coll = client[db]["cross"]
    problems = []
    if mode == "read":
        d = coll.find_one({"source": "simul"})
        if d is None:
            print("pymongo found no document with source 'simul'")
            return 1
        expect = {
            "i32": 42,
            "i64": 1 << 40,
            "dbl": 2.5,
            "s": "h\u00e9llo",
            "yes": True,
            "nil": None,
            "when": WHEN,
            "oid": OID,
            "arr": [1, "two", {"three": 3}],
            "sub": {"a": {"b": "deep"}},
        }
        for k, v in expect.items():
            if d.get(k) != v:
                problems.append("%s: pymongo read %r, expected %r" % (k, d.get(k), v))
        if not isinstance(d.get("_id"), ObjectId):
            problems.append("_id: %r is not an ObjectId" % (d.get("_id"),))
        if type(d.get("dbl")) is not float:
            problems.append("dbl is %s, not float" % type(d.get("dbl")).__name__)
    else:
        coll.insert_one({
            "source": "pymongo",
            "i32": 42,
            "i64": Int64(1 << 40),
            "dbl": 2.5,
            "s": "h\u00e9llo",
            "yes": True,
            "nil": None,
            "when": WHEN,
            "oid": OID,
            "arr": [1, "two", {"three": 3}],
            "sub": {"a": {"b": "deep"}},
        })
    client.close()
    if problems:
        print("\n".join(problems))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
