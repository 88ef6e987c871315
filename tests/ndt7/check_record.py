#!/usr/bin/env python3
"""Check an ndt7 result record (.json or .json.gz) against M-Lab's data
format: ndt-server's spec/data-format.md and the Go structs its pipeline
reads the records with (data.NDT7Result, model.ArchivalData,
model.Measurement, tcp-info's tcp.LinuxTCPInfo and inetdiag.BBRInfo).
Every field must be present with its JSON type and, for numbers, within its
Go type's range (a value out of range fails the pipeline's json.Unmarshal).

Usage: check_record.py FILE [--bbr]   (--bbr: server measurements have BBRInfo)
Prints one line per problem; exit 0 if none, 1 otherwise."""
import gzip
import json
import re
import sys

RANGES = {
    'uint8': (0, 2**8 - 1), 'uint32': (0, 2**32 - 1),
    'int32': (-2**31, 2**31 - 1), 'int64': (-2**63, 2**63 - 1), 'int': (-2**63, 2**63 - 1),
}
TIME = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$')
UUID = re.compile(r'^[A-Za-z0-9.-]+_(\d+|BADBOOTTIME)(_unsafe)?_[0-9A-F]{16}$')

# field -> type, written from the structs named above, in their order.
TOP = [('GitShortCommit', 'string'), ('Version', 'string'), ('ServerIP', 'string'),
       ('ServerPort', 'int'), ('ClientIP', 'string'), ('ClientPort', 'int'),
       ('StartTime', 'time'), ('EndTime', 'time')]
ARCHIVAL = [('UUID', 'uuid'), ('StartTime', 'time'), ('EndTime', 'time'),
            ('ServerMeasurements', 'measurements'), ('ClientMeasurements', 'measurements'),
            ('ClientMetadata', 'namevalues'), ('ServerMetadata', 'namevalues')]
APPINFO = [('NumBytes', 'int64'), ('ElapsedTime', 'int64')]
CONNINFO = [('Client', 'string'), ('Server', 'string')]
CONNINFO_OPTIONAL = [('UUID', 'string'), ('StartTime', 'time')]
BBRINFO = [('BW', 'int64'), ('MinRTT', 'uint32'), ('PacingGain', 'uint32'),
           ('CwndGain', 'uint32'), ('ElapsedTime', 'int64')]
TCPINFO = [(n, 'uint8') for n in ('State', 'CAState', 'Retransmits', 'Probes', 'Backoff',
                                  'Options', 'WScale', 'AppLimited')] + \
    [(n, 'uint32') for n in ('RTO', 'ATO', 'SndMSS', 'RcvMSS', 'Unacked', 'Sacked', 'Lost',
                             'Retrans', 'Fackets', 'LastDataSent', 'LastAckSent',
                             'LastDataRecv', 'LastAckRecv', 'PMTU', 'RcvSsThresh', 'RTT',
                             'RTTVar', 'SndSsThresh', 'SndCwnd', 'AdvMSS', 'Reordering',
                             'RcvRTT', 'RcvSpace', 'TotalRetrans')] + \
    [(n, 'int64') for n in ('PacingRate', 'MaxPacingRate', 'BytesAcked', 'BytesReceived')] + \
    [(n, 'int32') for n in ('SegsOut', 'SegsIn')] + \
    [(n, 'uint32') for n in ('NotsentBytes', 'MinRTT', 'DataSegsIn', 'DataSegsOut')] + \
    [(n, 'int64') for n in ('DeliveryRate', 'BusyTime', 'RWndLimited', 'SndBufLimited')] + \
    [(n, 'uint32') for n in ('Delivered', 'DeliveredCE')] + \
    [(n, 'int64') for n in ('BytesSent', 'BytesRetrans')] + \
    [(n, 'uint32') for n in ('DSackDups', 'ReordSeen', 'RcvOooPack', 'SndWnd')] + \
    [('ElapsedTime', 'int64')]
MEASUREMENT = {'AppInfo': APPINFO, 'ConnectionInfo': CONNINFO + CONNINFO_OPTIONAL,
               'BBRInfo': BBRINFO, 'TCPInfo': TCPINFO}

problems = []


def bad(path, what):
    problems.append(f'{path}: {what}')


def check_value(path, v, t):
    if t in RANGES:
        if not isinstance(v, int) or isinstance(v, bool):
            bad(path, f'expected a {t} number, got {json.dumps(v)[:40]}')
        elif not RANGES[t][0] <= v <= RANGES[t][1]:
            bad(path, f'{v} is out of range for {t}')
    elif t == 'string':
        if not isinstance(v, str):
            bad(path, f'expected a string, got {json.dumps(v)[:40]}')
    elif t == 'time':
        if not isinstance(v, str) or not TIME.match(v):
            bad(path, f'expected an RFC 3339 time, got {json.dumps(v)[:40]}')
    elif t == 'uuid':
        if not isinstance(v, str) or not UUID.match(v):
            bad(path, f'expected <host>_<boot time>_<%016X cookie>, got {json.dumps(v)[:80]}')
    elif t == 'namevalues':
        if not isinstance(v, list):
            bad(path, 'expected a list of {Name, Value}')
            return
        for i, nv in enumerate(v):
            check_object(f'{path}[{i}]', nv, [('Name', 'string'), ('Value', 'string')],
                         exact=True)
    elif t == 'measurements':
        if not isinstance(v, list):
            bad(path, 'expected a list of measurements')
    elif t != 'any':  # checked by the caller
        raise ValueError(t)


def check_object(path, obj, fields, exact, optional=()):
    if not isinstance(obj, dict):
        bad(path, 'expected an object')
        return
    known = {n for n, _ in fields} | {n for n, _ in optional}
    for name, t in fields:
        if name not in obj:
            bad(path, f'{name} is missing')
        else:
            check_value(f'{path}.{name}', obj[name], t)
    for name, t in optional:
        if name in obj:
            check_value(f'{path}.{name}', obj[name], t)
    if exact:
        for name in obj:
            if name not in known:
                bad(path, f'{name} is not a field of the data format')


def check_measurement(path, m, server, bbr):
    """Server measurements: exactly upstream's fields, AppInfo and TCPInfo
    always (BBRInfo with --bbr). Client ones: the known fields typed (the
    pipeline drops the others, like the spec's Origin and Test)."""
    if not isinstance(m, dict):
        bad(path, 'expected an object')
        return
    for name, fields in MEASUREMENT.items():
        required = server and (name in ('AppInfo', 'TCPInfo') or (name == 'BBRInfo' and bbr))
        if name not in m:
            if required:
                bad(path, f'{name} is missing')
            continue
        if name == 'ConnectionInfo':
            check_object(f'{path}.{name}', m[name], CONNINFO, exact=server,
                         optional=CONNINFO_OPTIONAL)
        elif server:
            check_object(f'{path}.{name}', m[name], fields, exact=True)
        else:
            check_object(f'{path}.{name}', m[name], [], exact=False, optional=fields)
    if server:
        for name in m:
            if name not in MEASUREMENT:
                bad(path, f'{name} is not a field of a stored measurement')


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    name, bbr = sys.argv[1], '--bbr' in sys.argv[2:]
    with open(name, 'rb') as f:
        data = f.read()
    if name.endswith('.gz'):
        if data[:2] != b'\x1f\x8b':
            bad(name, 'named .gz but not gzip')
        data = gzip.decompress(data)
    rec = json.loads(data)
    check_object('record', rec, TOP, exact=True, optional=[('Download', 'any'), ('Upload', 'any')])
    tests = [k for k in ('Download', 'Upload') if k in rec]
    if len(tests) != 1:
        bad('record', f'expected exactly one of Download and Upload, got {tests}')
    for key in tests:
        a = rec[key]
        check_object(key, a, ARCHIVAL, exact=True)
        if not isinstance(a, dict):
            continue
        sm, cm = a.get('ServerMeasurements'), a.get('ClientMeasurements')
        if isinstance(sm, list) and not sm:
            bad(f'{key}.ServerMeasurements', 'empty')
        for i, m in enumerate(sm if isinstance(sm, list) else []):
            check_measurement(f'{key}.ServerMeasurements[{i}]', m, True, bbr)
        for i, m in enumerate(cm if isinstance(cm, list) else []):
            check_measurement(f'{key}.ClientMeasurements[{i}]', m, False, bbr)
    for p in problems[:50]:
        print(p)
    sys.exit(1 if problems else 0)


if __name__ == '__main__':
    main()
