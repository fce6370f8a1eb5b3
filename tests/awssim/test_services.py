"""EC2, S3, RDS, Lambda, ECS, EKS and the tagging API through boto3, with paginators."""
import unittest

from simtest import ARCHIVE, MGMT, ML, PAYMENTS, SEARCH, SimTestCase
from world import (EC2_INSTANCE, EC2_VOLUME, ECS_CLUSTER, ECS_SERVICE, EKS_CLUSTER,
                   LAMBDA_FUNCTION, RDS_DB)


def busiest(world, kind):
    """(account, region) holding the most resources of kind among scannable accounts."""
    best = max(((len(world.resources(a, r, kind)), a, r) for a in (PAYMENTS, SEARCH, MGMT, ARCHIVE)
                for r in ("us-east-1", "eu-west-1")))
    return best[1], best[2]


def flat(pages, key):
    return [x for p in pages for x in p[key]]


class Ec2Test(SimTestCase):
    def test_describe_regions_default_all_and_opt_in(self):
        ec2 = self.member(PAYMENTS, "ec2")
        names = {r["RegionName"]: r["OptInStatus"] for r in ec2.describe_regions()["Regions"]}
        self.assertEqual(names["af-south-1"], "opted-in")
        self.assertNotIn("ap-east-1", names)
        self.assertEqual(names["us-east-1"], "opt-in-not-required")
        search = self.member(SEARCH, "ec2")
        default = {r["RegionName"] for r in search.describe_regions()["Regions"]}
        self.assertNotIn("af-south-1", default)
        every = {r["RegionName"]: r for r in search.describe_regions(AllRegions=True)["Regions"]}
        self.assertEqual(every["af-south-1"]["OptInStatus"], "not-opted-in")
        self.assertEqual(every["eu-west-1"]["Endpoint"], "ec2.eu-west-1.amazonaws.com")
        off = search.describe_regions(AllRegions=True, Filters=[
            {"Name": "opt-in-status", "Values": ["not-opted-in"]}])["Regions"]
        self.assertIn("af-south-1", [r["RegionName"] for r in off])
        self.assertNotIn("us-east-1", [r["RegionName"] for r in off])

    def test_describe_instances_paginates_reservations(self):
        ec2 = self.member(PAYMENTS, "ec2")
        pages = list(ec2.get_paginator("describe_instances").paginate())
        self.assertGreater(len(pages), 1)
        instances = [i for p in pages for r in p["Reservations"] for i in r["Instances"]]
        want = [r.name for r in self.world.resources(PAYMENTS, "us-east-1", EC2_INSTANCE)]
        self.assertEqual([i["InstanceId"] for i in instances], want)
        first = instances[0]
        self.assertEqual(first["State"], {"Code": 16, "Name": "running"})
        self.assertEqual({t["Key"]: t["Value"] for t in first["Tags"]}["Name"], "payments-api-1")
        self.assertEqual(pages[0]["Reservations"][0]["OwnerId"], PAYMENTS)
        stopped = ec2.describe_instances(Filters=[{"Name": "instance-state-name", "Values": ["stopped"]}])
        ids = [i["InstanceId"] for r in stopped["Reservations"] for i in r["Instances"]]
        self.assertIn("i-0a1b2c3d4e5f60003", ids)
        one = ec2.describe_instances(InstanceIds=["i-0a1b2c3d4e5f60002"])["Reservations"]
        self.assertEqual(one[0]["Instances"][0]["Tags"][0], {"Key": "Name", "Value": "payments-api-2"})

    def test_describe_instances_errors(self):
        ec2 = self.member(PAYMENTS, "ec2")
        self.assertClientError("InvalidParameterValue", ec2.describe_instances, MaxResults=4)
        self.assertClientError("InvalidParameterCombination", ec2.describe_instances,
                               InstanceIds=["i-0a1b2c3d4e5f60001"], MaxResults=5)
        self.assertClientError("InvalidInstanceID.NotFound", ec2.describe_instances,
                               InstanceIds=["i-00000000000000000"])
        self.assertClientError("InvalidPaginationToken", ec2.describe_instances, NextToken="junk")
        self.assertClientError("InvalidParameterValue", ec2.describe_instances,
                               Filters=[{"Name": "no-such-filter", "Values": ["x"]}])

    def test_unknown_parameters_are_refused_like_ec2_does(self):
        import urllib.request
        from auth import sign_request
        creds = self.assume(PAYMENTS)
        body = b"Action=DescribeInstances&Version=2016-11-15&Filters.1.Name=tag-key"
        headers = sign_request("POST", self.url + "/", {
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, body,
            creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"], "ec2", "us-east-1")
        req = urllib.request.Request(self.url + "/", data=body, headers=headers, method="POST")
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(req, timeout=10)
        text = cm.exception.read().decode()
        self.assertIn("<Code>UnknownParameter</Code>", text)
        self.assertIn("<RequestID>", text)

    def test_describe_volumes_paginates(self):
        ec2 = self.member(PAYMENTS, "ec2", region="eu-west-1")
        vols = flat(ec2.get_paginator("describe_volumes").paginate(PaginationConfig={"PageSize": 5}),
                    "Volumes")
        self.assertEqual([v["VolumeId"] for v in vols],
                         [r.name for r in self.world.resources(PAYMENTS, "eu-west-1", EC2_VOLUME)])
        ec2 = self.member(PAYMENTS, "ec2")
        v = ec2.describe_volumes(VolumeIds=["vol-0a1b2c3d4e5f60001"])["Volumes"][0]
        self.assertEqual(v["Attachments"][0]["InstanceId"], "i-0a1b2c3d4e5f60001")
        self.assertEqual(v["State"], "in-use")
        self.assertNotIn("Tags", ec2.describe_volumes(VolumeIds=["vol-0a1b2c3d4e5f60002"])["Volumes"][0])


class S3Test(SimTestCase):
    def test_list_location_tagging(self):
        s3 = self.member(PAYMENTS, "s3")
        names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
        self.assertIn("demo-payments-receipts", names)
        self.assertEqual(len(names), len(self.world.buckets(PAYMENTS)))
        loc = s3.get_bucket_location(Bucket="demo-payments-receipts")
        self.assertIsNone(loc["LocationConstraint"])   # us-east-1 answers empty
        self.assertEqual(s3.get_bucket_location(Bucket="demo-payments-eu-archive")["LocationConstraint"], "EU")
        self.assertEqual(s3.get_bucket_location(Bucket="demo-payments-capetown")["LocationConstraint"],
                         "af-south-1")
        tags = s3.get_bucket_tagging(Bucket="demo-payments-receipts")["TagSet"]
        self.assertIn({"Key": "DataClass", "Value": "confidential"}, tags)
        err = self.assertClientError("NoSuchTagSet", s3.get_bucket_tagging, Bucket="demo-payments-scratch",
                                     status=404)
        self.assertEqual(err["Error"]["BucketName"], "demo-payments-scratch")
        self.assertTrue(err["ResponseMetadata"]["RequestId"])
        self.assertTrue(err["ResponseMetadata"]["HostId"])

    def test_bucket_calls_are_signed_for_the_home_region(self):
        s3 = self.member(PAYMENTS, "s3")
        # botocore reads the expected region from the error and retries there, as with real S3.
        self.assertTrue(s3.get_bucket_tagging(Bucket="demo-payments-eu-archive")["TagSet"])
        log = self.admin("GET", "log?operation=GetBucketTagging")["entries"]
        self.assertEqual([(e["region"], e["outcome"]) for e in log],
                         [("us-east-1", "AuthorizationHeaderMalformed"), ("eu-west-1", "ok")])
        eu = self.member(PAYMENTS, "s3", region="eu-west-1")
        self.assertTrue(eu.get_bucket_tagging(Bucket="demo-payments-eu-archive")["TagSet"])

    def test_other_accounts_and_missing_buckets(self):
        s3 = self.member(SEARCH, "s3")
        self.assertClientError("AccessDenied", s3.get_bucket_tagging, Bucket="demo-payments-receipts",
                               status=403)
        self.assertClientError("NoSuchBucket", s3.get_bucket_location, Bucket="no-such-bucket-here",
                               status=404)
        self.assertNotIn("demo-payments-receipts", [b["Name"] for b in s3.list_buckets()["Buckets"]])


class RdsLambdaTest(SimTestCase):
    def test_rds_paginates_with_taglist(self):
        rds = self.member(PAYMENTS, "rds")
        dbs = flat(rds.get_paginator("describe_db_instances").paginate(), "DBInstances")
        self.assertEqual([d["DBInstanceIdentifier"] for d in dbs],
                         [r.name for r in self.world.resources(PAYMENTS, "us-east-1", RDS_DB)])
        pay = [d for d in dbs if d["DBInstanceIdentifier"] == "payments-db"][0]
        self.assertIn({"Key": "Owner", "Value": ""}, pay["TagList"])
        self.assertTrue(pay["DBInstanceArn"].startswith("arn:aws:rds:us-east-1:333333333333:db:"))
        self.assertClientError("InvalidParameterValue", rds.describe_db_instances, MaxRecords=10)
        self.assertClientError("DBInstanceNotFound", rds.describe_db_instances,
                               DBInstanceIdentifier="nope", status=404)

    def test_rds_pages_across_markers(self):
        rds = self.member(PAYMENTS, "rds", region="eu-west-1")
        want = [r.name for r in self.world.resources(PAYMENTS, "eu-west-1", RDS_DB)]
        first = rds.describe_db_instances(MaxRecords=20)
        self.assertEqual("Marker" in first, len(want) > 2)
        got = flat(rds.get_paginator("describe_db_instances").paginate(), "DBInstances")
        self.assertEqual([d["DBInstanceIdentifier"] for d in got], want)

    def test_lambda_list_functions_and_tags(self):
        acct, region = busiest(self.world, LAMBDA_FUNCTION)
        lam = self.member(acct, "lambda", region)
        pages = list(lam.get_paginator("list_functions").paginate())
        want = self.world.resources(acct, region, LAMBDA_FUNCTION)
        self.assertEqual([f["FunctionName"] for f in flat(pages, "Functions")], [r.name for r in want])
        self.assertGreater(len(pages), 1)
        lam = self.member(PAYMENTS, "lambda")
        fns = lam.list_functions(MaxItems=50)["Functions"]
        hook = [f for f in fns if f["FunctionName"] == "payments-webhook"][0]
        self.assertEqual(lam.list_tags(Resource=hook["FunctionArn"])["Tags"]["CostCenter"], " ")
        missing = hook["FunctionArn"].replace("payments-webhook", "nope")
        self.assertClientError("ResourceNotFoundException", lam.list_tags, Resource=missing, status=404)
        other = hook["FunctionArn"].replace(PAYMENTS, SEARCH)
        self.assertClientError("AccessDeniedException", lam.list_tags, Resource=other, status=403)
        self.assertClientError("InvalidParameterValueException", lam.list_functions, Marker="junk")

    def test_lambda_denied_by_role_policy(self):
        lam = self.member(ML, "lambda")
        err = self.assertClientError("AccessDeniedException", lam.list_functions, status=403)
        self.assertIn("lambda:ListFunctions", err["Error"]["Message"])
        # other services still answer
        self.member(ML, "ec2").describe_instances()


class EcsEksTest(SimTestCase):
    def test_ecs_clusters_and_services_with_tags(self):
        ecs = self.member(PAYMENTS, "ecs")
        arns = flat(ecs.get_paginator("list_clusters").paginate(), "clusterArns")
        self.assertEqual(arns, [r.arn for r in self.world.resources(PAYMENTS, "us-east-1", ECS_CLUSTER)])
        d = ecs.describe_clusters(clusters=arns + ["missing"], include=["TAGS"])
        self.assertEqual(len(d["clusters"]), len(arns))
        self.assertEqual(d["failures"][0]["reason"], "MISSING")
        pay = [c for c in d["clusters"] if c["clusterName"] == "payments"][0]
        self.assertIn({"key": "CostCenter", "value": "1042"}, pay["tags"])
        self.assertNotIn("tags", ecs.describe_clusters(clusters=["payments"])["clusters"][0])
        svcs = flat(ecs.get_paginator("list_services").paginate(cluster="payments"), "serviceArns")
        self.assertEqual(svcs, [f"arn:aws:ecs:us-east-1:{PAYMENTS}:service/payments/api",
                                f"arn:aws:ecs:us-east-1:{PAYMENTS}:service/payments/worker"])
        ds = ecs.describe_services(cluster="payments", services=svcs, include=["TAGS"])["services"]
        self.assertIn({"key": "CostCenter", "value": "9999"}, ds[1]["tags"])
        self.assertClientError("ClusterNotFoundException", ecs.list_services, cluster="nope")
        self.assertClientError("InvalidParameterException", ecs.describe_services, cluster="payments",
                               services=["s%d" % i for i in range(11)])
        self.assertClientError("InvalidParameterException", ecs.list_clusters, maxResults=101)

    def test_ecs_services_page(self):
        ecs = self.member(ARCHIVE, "ecs", region="eu-west-1")
        services = [r for r in self.world.resources(ARCHIVE, "eu-west-1", ECS_SERVICE)]
        for cluster in {s.attrs["cluster"] for s in services}:
            got = flat(ecs.get_paginator("list_services").paginate(
                cluster=cluster, PaginationConfig={"PageSize": 1}), "serviceArns")
            self.assertEqual(got, [s.arn for s in services if s.attrs["cluster"] == cluster])

    def test_eks(self):
        eks = self.member(PAYMENTS, "eks")
        names = flat(eks.get_paginator("list_clusters").paginate(PaginationConfig={"PageSize": 1}),
                     "clusters")
        self.assertEqual(names, [r.name for r in self.world.resources(PAYMENTS, "us-east-1", EKS_CLUSTER)])
        c = eks.describe_cluster(name="payments-k8s")["cluster"]
        self.assertEqual(c["tags"]["OWNER"], "platform@example.com")
        self.assertEqual(c["arn"], f"arn:aws:eks:us-east-1:{PAYMENTS}:cluster/payments-k8s")
        err = self.assertClientError("ResourceNotFoundException", eks.describe_cluster, name="nope",
                                     status=404)
        self.assertIn("nope", err["Error"]["Message"])
        self.assertClientError("InvalidParameterException", eks.list_clusters, maxResults=101)


class TaggingTest(SimTestCase):
    def test_get_resources_pages_and_filters(self):
        tag = self.member(PAYMENTS, "resourcegroupstaggingapi")
        rows = flat(tag.get_paginator("get_resources").paginate(), "ResourceTagMappingList")
        arns = [r["ResourceARN"] for r in rows]
        self.assertIn("arn:aws:dynamodb:us-east-1:333333333333:table/payments-ledger", arns)
        self.assertIn("arn:aws:s3:::demo-payments-receipts", arns)
        self.assertNotIn("arn:aws:s3:::demo-payments-scratch", arns)          # no tags
        self.assertNotIn("arn:aws:ec2:us-east-1:333333333333:volume/vol-0a1b2c3d4e5f60002", arns)
        self.assertNotIn("arn:aws:s3:::demo-payments-eu-archive", arns)       # other region
        self.assertEqual(len(arns), len(set(arns)))
        only = flat(tag.get_paginator("get_resources").paginate(
            ResourceTypeFilters=["dynamodb:table", "sns", "sqs"]), "ResourceTagMappingList")
        self.assertEqual(sorted(r["ResourceARN"].split(":")[2] for r in only
                                if "payments" in r["ResourceARN"]), ["dynamodb", "sns", "sqs"])
        ec2 = flat(tag.get_paginator("get_resources").paginate(ResourceTypeFilters=["ec2:instance"]),
                   "ResourceTagMappingList")
        self.assertTrue(all(":instance/" in r["ResourceARN"] for r in ec2))
        prod = flat(tag.get_paginator("get_resources").paginate(
            TagFilters=[{"Key": "Environment", "Values": ["prod"]}]), "ResourceTagMappingList")
        self.assertTrue(all({"Key": "Environment", "Value": "prod"} in r["Tags"] for r in prod))
        pages = list(tag.get_paginator("get_resources").paginate(PaginationConfig={"PageSize": 100}))
        self.assertGreater(len(pages), 1)   # the fixture caps pages at 5
        self.assertEqual(pages[-1]["PaginationToken"], "")
        self.assertClientError("InvalidParameterException", tag.get_resources, ResourcesPerPage=101)
        self.assertClientError("InvalidParameterException", tag.get_resources, PaginationToken="junk")
        self.assertClientError("InvalidParameterException", tag.get_resources, ResourceTypeFilters=["ec2:"])


class IsolationTest(SimTestCase):
    def test_each_session_sees_its_own_account(self):
        for acct in (PAYMENTS, SEARCH, MGMT):
            ec2 = self.member(acct, "ec2")
            got = [i["InstanceId"] for p in ec2.get_paginator("describe_instances").paginate()
                   for r in p["Reservations"] for i in r["Instances"]]
            self.assertEqual(got, [r.name for r in self.world.resources(acct, "us-east-1", EC2_INSTANCE)])
        a = self.member(PAYMENTS, "ec2")
        b = self.member(SEARCH, "ec2")
        token = a.describe_instances(MaxResults=5).get("NextToken")
        if token:
            self.assertClientError("InvalidPaginationToken", b.describe_instances, NextToken=token)
        lam = self.member(SEARCH, "lambda")
        arn = self.world.resources(PAYMENTS, "us-east-1", LAMBDA_FUNCTION)[0].arn
        self.assertClientError("AccessDeniedException", lam.list_tags, Resource=arn)

    def test_opt_in_region_off_answers_like_aws(self):
        creds = self.assume(SEARCH)
        checks = [("ec2", "describe_instances", {}, "AuthFailure", 401),
                  ("rds", "describe_db_instances", {}, "InvalidClientTokenId", 403),
                  ("lambda", "list_functions", {}, "UnrecognizedClientException", 403),
                  ("ecs", "list_clusters", {}, "UnrecognizedClientException", 400),
                  ("eks", "list_clusters", {}, "UnrecognizedClientException", 403),
                  ("resourcegroupstaggingapi", "get_resources", {}, "UnrecognizedClientException", 400),
                  ("s3", "list_buckets", {}, "InvalidAccessKeyId", 403)]
        for service, method, kw, code, status in checks:
            c = self.client_as(creds, service, region="af-south-1")
            self.assertClientError(code, getattr(c, method), status=status, **kw)
        # The account that enabled it is served there.
        pay = self.member(PAYMENTS, "ec2", region="af-south-1")
        got = [i["InstanceId"] for r in pay.describe_instances()["Reservations"] for i in r["Instances"]]
        self.assertIn("i-0af0000000000001a", got)


if __name__ == "__main__":
    unittest.main()
