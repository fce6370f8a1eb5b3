"""Organizations: discovery through the org role, pagination, access rules."""
import unittest

from simtest import (ARCHIVE, EXTERNAL_ID, LEGACY, MGMT, ML, PAYMENTS, SANDBOX, SCANNER_ACCT, SEARCH,
                     SimTestCase)

ALL = [MGMT, SCANNER_ACCT, PAYMENTS, SEARCH, SANDBOX, LEGACY, ML, ARCHIVE]


class OrganizationsTest(SimTestCase):
    def org(self):
        creds = self.assume(MGMT, role="CellScanOrgDiscovery")
        return self.client_as(creds, "organizations")

    def test_list_accounts_pages_through_everything(self):
        org = self.org()
        pages = list(org.get_paginator("list_accounts").paginate())
        self.assertGreater(len(pages), 1)
        self.assertTrue(all(len(p["Accounts"]) <= 3 for p in pages))
        accounts = [a for p in pages for a in p["Accounts"]]
        self.assertEqual(sorted(a["Id"] for a in accounts), sorted(ALL))
        status = {a["Id"]: a["Status"] for a in accounts}
        self.assertEqual(status[LEGACY], "SUSPENDED")
        self.assertEqual(status[PAYMENTS], "ACTIVE")
        a = accounts[0]
        self.assertRegex(a["Arn"], r"^arn:aws:organizations::111111111111:account/o-demo0cellscan/\d{12}$")

    def test_walk_the_ou_tree(self):
        org = self.org()
        roots = org.list_roots()["Roots"]
        self.assertEqual(len(roots), 1)
        root = roots[0]["Id"]
        self.assertEqual(root, "r-demo")

        def walk(parent, path):
            found = {}
            for p in org.get_paginator("list_accounts_for_parent").paginate(ParentId=parent):
                for a in p["Accounts"]:
                    found[a["Id"]] = path
            for p in org.get_paginator("list_organizational_units_for_parent").paginate(ParentId=parent):
                for ou in p["OrganizationalUnits"]:
                    self.assertRegex(ou["Id"], r"^ou-demo-[0-9a-f]{8}$")
                    found.update(walk(ou["Id"], path + "/" + ou["Name"]))
            return found

        tree = walk(root, "")
        self.assertEqual(tree, {MGMT: "", SCANNER_ACCT: "/Security", ARCHIVE: "/Security",
                                PAYMENTS: "/Workloads/Prod", SEARCH: "/Workloads/Prod",
                                SANDBOX: "/Workloads/Dev", LEGACY: "/Workloads/Dev", ML: "/Workloads/Dev"})

    def test_list_parents_and_describe(self):
        org = self.org()
        parents = org.list_parents(ChildId=PAYMENTS)["Parents"]
        self.assertEqual(len(parents), 1)
        self.assertEqual(parents[0]["Type"], "ORGANIZATIONAL_UNIT")
        up = org.list_parents(ChildId=parents[0]["Id"])["Parents"]
        self.assertEqual(up[0]["Type"], "ORGANIZATIONAL_UNIT")
        top = org.list_parents(ChildId=up[0]["Id"])["Parents"]
        self.assertEqual(top, [{"Id": "r-demo", "Type": "ROOT"}])
        self.assertEqual(org.list_parents(ChildId=MGMT)["Parents"][0]["Type"], "ROOT")
        self.assertEqual(org.describe_account(AccountId=ML)["Account"]["Name"], "dev-ml")
        o = org.describe_organization()["Organization"]
        self.assertEqual(o["MasterAccountId"], MGMT)
        self.assertEqual(o["Id"], "o-demo0cellscan")
        self.assertClientError("AccountNotFoundException", org.describe_account, AccountId="999999999999")
        self.assertClientError("ChildNotFoundException", org.list_parents, ChildId="999999999999")
        self.assertClientError("ParentNotFoundException", org.list_accounts_for_parent,
                               ParentId="ou-demo-00000000")

    def test_members_and_outsiders_cannot_list(self):
        # The scanner's own account is a member: denied.
        scanner_org = self.client("organizations")
        self.assertClientError("AccessDeniedException", scanner_org.list_accounts)
        self.assertEqual(scanner_org.describe_organization()["Organization"]["MasterAccountId"], MGMT)
        member = self.member(PAYMENTS, "organizations")
        self.assertClientError("AccessDeniedException", member.list_roots)

    def test_validation_and_bad_tokens(self):
        org = self.org()
        err = self.assertClientError("InvalidInputException", org.list_accounts, MaxResults=21)
        self.assertIn("less than or equal to 20", err["Error"]["Message"])
        err = self.assertClientError("InvalidInputException", org.list_accounts, NextToken="bogus")
        self.assertEqual(err["Reason"], "INVALID_PAGINATION_TOKEN")
        token = org.list_accounts(MaxResults=2)["NextToken"]
        # A token is bound to its listing.
        self.assertClientError("InvalidInputException", org.list_roots, NextToken=token)

    def test_organizations_is_a_us_east_1_service(self):
        creds = self.assume(MGMT, role="CellScanOrgDiscovery")
        org = self.client_as(creds, "organizations", region="eu-west-1")
        err = self.assertClientError("InvalidSignatureException", org.list_accounts)
        self.assertIn("valid region", err["Error"]["Message"])


if __name__ == "__main__":
    unittest.main()
