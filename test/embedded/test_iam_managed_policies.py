"""AWS managed IAM policies exist on the embedded AWS, as in every real account."""

ROLE_TRUST = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
    '"Principal":{"Service":"ssm.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
)
CORE = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"


def test_amazon_ssm_managed_instance_core_can_be_read_and_attached(client):
    # The server sets MOTO_IAM_LOAD_MANAGED_POLICIES=true before moto builds its IAM
    # backend; without it GetPolicy answers NoSuchEntity and the module's attachment fails.
    iam = client("iam")
    policy = iam.get_policy(PolicyArn=CORE)["Policy"]
    assert policy["PolicyName"] == "AmazonSSMManagedInstanceCore"
    document = iam.get_policy_version(PolicyArn=CORE, VersionId=policy["DefaultVersionId"])
    actions = str(document["PolicyVersion"]["Document"])
    assert "ssm:UpdateInstanceInformation" in actions

    iam.create_role(RoleName="ManagedPolicyProbe", AssumeRolePolicyDocument=ROLE_TRUST)
    try:
        iam.attach_role_policy(RoleName="ManagedPolicyProbe", PolicyArn=CORE)
        attached = iam.list_attached_role_policies(RoleName="ManagedPolicyProbe")
        assert [p["PolicyArn"] for p in attached["AttachedPolicies"]] == [CORE]
    finally:
        iam.detach_role_policy(RoleName="ManagedPolicyProbe", PolicyArn=CORE)
        iam.delete_role(RoleName="ManagedPolicyProbe")
