"""The designer's forms editor (issue #15.2): a draft whose step names a missing form gets it through a field
list in the console, and the version's error goes away; a form beyond the common cases is edited as JSON."""
from __future__ import annotations

import json
import urllib.request

import pytest

from tests.console.test_console_e2e import ADMIN_PASSWORD, find, go, login, set_input, shot, token, wait, wait_text

pytestmark = pytest.mark.slow
KEY = "giay_phep_bien"
BPMN = f'''<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
<bpmn:process id="{KEY}" name="Cấp giấy phép biển quảng cáo" isExecutable="true">
<bpmn:startEvent id="s"/>
<bpmn:userTask id="tham_dinh" name="Thẩm định"><bpmn:extensionElements><camunda:properties>
<camunda:property name="form" value="tham_dinh_bien"/></camunda:properties></bpmn:extensionElements></bpmn:userTask>
<bpmn:exclusiveGateway id="g" default="f_on"/><bpmn:endEvent id="e"/>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="tham_dinh"/><bpmn:sequenceFlow id="f2" sourceRef="tham_dinh" targetRef="g"/>
<bpmn:sequenceFlow id="f_back" sourceRef="g" targetRef="tham_dinh"><bpmn:conditionExpression>hop_le == False</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:sequenceFlow id="f_on" sourceRef="g" targetRef="e"/>
</bpmn:process></bpmn:definitions>'''.encode()


def _upload(server) -> dict:
    request = urllib.request.Request(f"{server.url}/api/v1/process-definitions", method="POST", data=BPMN, headers={
        "Content-Type": "application/xml", "Authorization": f"Bearer {token(server, 'admin', ADMIN_PASSWORD)}"})
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


def _version(server) -> dict:
    request = urllib.request.Request(f"{server.url}/api/v1/process-definitions/{KEY}/versions/1", headers={
        "Authorization": f"Bearer {token(server, 'admin', ADMIN_PASSWORD)}"})
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


def test_a_designer_adds_the_missing_form_as_a_list_of_fields(server, browser):
    draft = _upload(server)
    assert {e["code"] for e in draft["errors"]} == {"form_missing", "data_unset"}
    login(browser, server, "thietke.quytrinh")
    go(browser, server, f"#/definitions/{KEY}/1")
    wait_text(browser, "#missing-forms", "tham_dinh_bien")
    name = wait(browser, "#new-form-name")
    assert name.get_attribute("value") == "tham_dinh_bien"  # offered from the version's error
    row = find(browser, "#version-forms .mf-form-field")
    set_input(row.find_element("name", "name"), "hop_le")
    set_input(row.find_element("name", "title"), "Hồ sơ hợp lệ")
    row.find_element("css selector", "select[name=type] option[value=yesno]").click()
    assert row.find_element("name", "required").is_selected()
    shot(browser, "forms-01-new-form")
    find(browser, '#version-forms form[data-form-name="tham_dinh_bien"] button[type=submit]').click()
    wait(browser, '#version-forms form[data-form-name="tham_dinh_bien"] input[name=name][value=hop_le]')
    shot(browser, "forms-02-saved")
    version = _version(server)
    assert version["errors"] == [] and version["publishable"] is True
    assert version["forms"] == ["tham_dinh_bien"]
    # the saved form is what the field list said
    forms_url = f"{server.url}/api/v1/process-definitions/{KEY}/versions/1/forms/tham_dinh_bien"
    request = urllib.request.Request(forms_url, headers={"Authorization": f"Bearer {token(server, 'admin', ADMIN_PASSWORD)}"})
    with urllib.request.urlopen(request) as response:
        assert json.loads(response.read()) == {"type": "object", "required": ["hop_le"],
                                               "properties": {"hop_le": {"type": "boolean", "title": "Hồ sơ hợp lệ"}}}
