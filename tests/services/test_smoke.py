from realty_crm.models import Role


def test_agent_signs_in_and_sees_dashboard(make, login):
    agency = make.agency()
    agent = make.user(agency, Role.AGENT)
    client = login(agent)
    assert client.get("/").status_code == 200
