"""``kpcheck serve`` on the command line: refused bindings exit 2 with a message, before anything loads."""

from __future__ import annotations

from conftest import SERVE_TOKEN, free_port, kpcheck


def test_serve_is_a_command():
    listed = kpcheck("--help")
    assert listed.exit_code == 0 and "serve" in listed.stdout
    helped = kpcheck("serve", "--help")
    assert helped.exit_code == 0
    for option in ("--host", "--port", "--token", "--allow-host", "--rules", "--reference", "--engine", "--lang", "--waivers"):
        assert option in helped.stdout


def test_any_address_without_a_token_is_refused():
    result = kpcheck("serve", "--host", "0.0.0.0")
    assert result.exit_code == 2
    assert "refusing to listen on 0.0.0.0" in result.stderr and "--token" in result.stderr


def test_the_environment_counts_like_the_options():
    assert kpcheck("serve", env={"KPCHECK_HOST": "192.168.1.10"}).exit_code == 2
    refused = kpcheck("serve", env={"KPCHECK_HOST": "192.168.1.10", "KPCHECK_TOKEN": "short"})
    assert refused.exit_code == 2 and "too short" in refused.stderr


def test_a_bad_port_is_a_usage_error():
    assert kpcheck("serve", "--port", "70000").exit_code == 2
    assert kpcheck("serve", "--engine", "nope", "--token", SERVE_TOKEN).exit_code == 2


def test_a_rulebook_that_does_not_load_exits_2_before_serving(tmp_path):
    (tmp_path / "rulebook.yaml").write_text("version: [\n")
    result = kpcheck("serve", "--rules", str(tmp_path), "--port", str(free_port()))
    assert result.exit_code == 2 and "nothing was checked" in result.stderr


def test_a_busy_port_exits_2_with_a_message_before_loading():
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = kpcheck("serve", "--port", str(port), "--rules", "/nonexistent")
    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1 port {port}" in result.stderr


def test_a_configuration_file_sets_the_desk(tmp_path):
    config = tmp_path / "kpcheck.toml"
    config.write_text('[serve]\nhost = "0.0.0.0"\n')
    refused = kpcheck("serve", env={"KPCHECK_CONFIG": str(config)})
    assert refused.exit_code == 2 and "refusing to listen on 0.0.0.0" in refused.stderr
    config.write_text('[serve]\nhost = "0.0.0.0"\ntoken = "short"\n')
    short = kpcheck("serve", env={"KPCHECK_CONFIG": str(config)})
    assert short.exit_code == 2 and "too short" in short.stderr


def test_a_register_that_does_not_open_exits_2(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = kpcheck("serve", "--port", str(free_port()), "--register", str(blocker / "register.sqlite"))
    assert result.exit_code == 2 and "the desk did not start" in result.stderr
