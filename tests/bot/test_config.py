import pytest
from pydantic import ValidationError

from bot.cli import main
from bot.config import Settings, settings_error_lines


def test_regions_are_comma_separated_as_people_type_them(monkeypatch):
    monkeypatch.setenv("SMBOT_REGIONS", "us-east-1, eu-west-1")
    assert Settings().regions == ["us-east-1", "eu-west-1"]


def test_regions_also_accept_a_json_list(monkeypatch):
    monkeypatch.setenv("SMBOT_REGIONS", '["eu-central-1"]')
    assert Settings().regions == ["eu-central-1"]


def test_accounts_from_env_are_role_arns_and_share_the_external_id(monkeypatch):
    monkeypatch.setenv(
        "SMBOT_ACCOUNTS",
        "arn:aws:iam::111111111111:role/read,arn:aws:iam::222222222222:role/read",
    )
    monkeypatch.setenv("SMBOT_EXTERNAL_ID", "s3cret")
    targets = Settings().account_targets()
    assert [t.account_id for t in targets] == ["111111111111", "222222222222"]
    assert {t.external_id for t in targets} == {"s3cret"}


def test_no_accounts_means_the_ambient_credentials():
    assert Settings().account_targets() == [None]


def test_toml_file_named_by_smbot_config(monkeypatch, tmp_path):
    config = tmp_path / "bot.toml"
    config.write_text(
        'regions = ["eu-west-1"]\nnotebook_idle_hours = 12\n'
        '[[accounts]]\nrole_arn = "arn:aws:iam::333333333333:role/read"\nexternal_id = "x1"\n'
    )
    monkeypatch.setenv("SMBOT_CONFIG", str(config))
    settings = Settings()
    assert settings.regions == ["eu-west-1"]
    assert settings.notebook_idle_hours == 12
    assert settings.accounts[0].external_id == "x1"


def test_env_var_wins_over_the_toml_file(monkeypatch, tmp_path):
    config = tmp_path / "bot.toml"
    config.write_text('regions = ["eu-west-1"]\n')
    monkeypatch.setenv("SMBOT_CONFIG", str(config))
    monkeypatch.setenv("SMBOT_REGIONS", "ap-south-1")
    assert Settings().regions == ["ap-south-1"]


def test_db_path_defaults_to_the_working_directory():
    assert str(Settings().db_path) == "sm-cost-bot.db"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("SMBOT_REGIONS", "us-east-1,mars-north-9x", "invalid setting SMBOT_REGIONS: not an AWS region name: mars-north-9x"),
        ("SMBOT_NOTEBOOK_IDLE_HOURS", "soon", "invalid setting SMBOT_NOTEBOOK_IDLE_HOURS:"),
        ("SMBOT_TIMEZONE", "Mars/Olympus", "invalid setting SMBOT_TIMEZONE: unknown time zone 'Mars/Olympus'"),
        ("SMBOT_DIGEST_CRON", "0 9 * *", "invalid setting SMBOT_DIGEST_CRON: cron '0 9 * *' needs 5 fields"),
        ("SMBOT_ACCOUNTS", "123456789012", "invalid setting SMBOT_ACCOUNTS (item 0.role_arn): must be an IAM role ARN"),
    ],
)
def test_an_invalid_value_is_one_line_naming_the_setting(monkeypatch, name, value, expected):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as caught:
        Settings()
    lines = settings_error_lines(caught.value)
    assert len(lines) == 1
    assert lines[0].startswith(expected)


def test_the_cli_stops_with_that_line_and_exit_2(monkeypatch, capsys):
    monkeypatch.setenv("SMBOT_STUDIO_MAX_IDLE_MINUTES", "5")
    assert main(["scan"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sm-cost-bot: invalid setting SMBOT_STUDIO_MAX_IDLE_MINUTES:")
    assert "Traceback" not in err


def test_a_missing_config_file_is_named(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("SMBOT_CONFIG", str(tmp_path / "nope.toml"))
    assert main(["scan"]) == 2
    assert "SMBOT_CONFIG: no such file" in capsys.readouterr().err
