"""Versioning through boto3, as an application would use it (issue 15).

Run by tests/e2e/versioning-cli.test.ts with /usr/bin/python3: argv is the endpoint and a bucket
name that does not exist yet. Each step asserts in Python; the script prints one JSON object with
what it saw, and exits non-zero (with the failing step in the JSON) when an assertion fails.
"""
import json
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint, bucket = sys.argv[1], sys.argv[2]
s3 = boto3.client(
    's3',
    endpoint_url=endpoint,
    region_name='us-east-1',
    aws_access_key_id='test',
    aws_secret_access_key='test',
    config=Config(s3={'addressing_style': 'path'}, retries={'max_attempts': 1}),
)
seen = {}


def check(step, condition, detail):
    if not condition:
        print(json.dumps({'ok': False, 'step': step, 'detail': detail, 'seen': seen}, default=str))
        sys.exit(1)


s3.create_bucket(Bucket=bucket)
s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={'Status': 'Enabled'})
status = s3.get_bucket_versioning(Bucket=bucket).get('Status')
check('get_bucket_versioning', status == 'Enabled', status)

first = s3.put_object(Bucket=bucket, Key='doc.txt', Body=b'first')['VersionId']
second = s3.put_object(Bucket=bucket, Key='doc.txt', Body=b'second')['VersionId']
check('put_object version ids', first and second and first != second, [first, second])

listed = s3.list_object_versions(Bucket=bucket)
versions = [(v['Key'], v['VersionId'], v['IsLatest']) for v in listed.get('Versions', [])]
check('list_object_versions', versions == [('doc.txt', second, True), ('doc.txt', first, False)], versions)

old = s3.get_object(Bucket=bucket, Key='doc.txt', VersionId=first)
body = old['Body'].read()
check('get_object by VersionId', body == b'first' and old['VersionId'] == first, [body, old.get('VersionId')])

deleted = s3.delete_object(Bucket=bucket, Key='doc.txt')
marker = deleted.get('VersionId')
check('delete_object makes a marker', deleted.get('DeleteMarker') is True and marker, deleted)
try:
    s3.get_object(Bucket=bucket, Key='doc.txt')
    check('get_object behind a marker', False, 'no error')
except ClientError as error:
    code = error.response['Error']['Code']
    check('get_object behind a marker', code == 'NoSuchKey', code)

for index in range(3):
    s3.put_object(Bucket=bucket, Key=f'many/{index}', Body=b'x')
    s3.put_object(Bucket=bucket, Key=f'many/{index}', Body=b'y')
pages = s3.get_paginator('list_object_versions').paginate(Bucket=bucket, PaginationConfig={'PageSize': 2})
entries = []
page_count = 0
for page in pages:
    page_count += 1
    entries += [(v['Key'], v['VersionId']) for v in page.get('Versions', [])]
    entries += [(m['Key'], m['VersionId']) for m in page.get('DeleteMarkers', [])]
check('paginator over versions', len(entries) == 9 and len(set(entries)) == 9 and page_count == 5, entries)

for key, version_id in entries:
    s3.delete_object(Bucket=bucket, Key=key, VersionId=version_id)
s3.delete_bucket(Bucket=bucket)

seen.update({'first': first, 'second': second, 'marker': marker, 'pages': page_count, 'entries': len(entries)})
print(json.dumps({'ok': True, 'seen': seen}))
