# Each import and codec here is first used inside the call: the build imported none.
import json


def handler(event, context):
    import time
    out = {"strptime": time.strptime("2026-12-07", "%Y-%m-%d").tm_yday}
    import datetime
    out["datetime"] = datetime.date(2026, 12, 7).isoformat()
    out["gbk"] = "中文".encode("gbk").hex()
    out["gb18030"] = "中文".encode("gb18030").decode("gb18030")
    out["big5"] = "中文".encode("big5").hex()
    out["shift_jis"] = "日本".encode("shift_jis").hex()
    out["unicode_escape"] = b"a\\nb".decode("unicode_escape")
    out["idna"] = "bücher.example".encode("idna").decode()
    import email.mime.text, uuid, decimal, gzip, csv, hmac, statistics
    import urllib.request, xml.etree.ElementTree, zoneinfo, sqlite3
    out["email"] = email.mime.text.MIMEText("hi")["Content-Type"]
    out["uuid"] = str(uuid.UUID(int=1))
    out["decimal"] = str(decimal.Decimal("0.1") * 3)
    out["gzip"] = gzip.decompress(gzip.compress(b"zz")).decode()
    out["hmac"] = hmac.new(b"k", b"m", "sha256").hexdigest()[:8]
    out["statistics"] = statistics.median([3, 1, 2])
    out["xml"] = xml.etree.ElementTree.fromstring("<a>t</a>").text
    out["sqlite3"] = sqlite3.connect(":memory:").execute("select 6*7").fetchone()[0]
    try:
        open("/python/planted.py", "w")
        out["write"] = "written"
    except OSError as error:
        out["write"] = type(error).__name__
    return json.dumps(out, sort_keys=True)
