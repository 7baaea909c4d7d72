// bpmn-js (from the npm registry, copied by `make console`): loaded on demand, never from a CDN.
// Both bundles define window.BpmnJS, so each is captured right after its script runs.
import { tr } from './i18n.js';

const base = document.body.dataset.static || '/console/static/';
const cache = {};

export function bpmnInstalled() { return document.body.dataset.bpmnJs === '1'; }

export const NOT_INSTALLED = () => tr('Trình soạn thảo BPMN chưa được cài đặt (cần Node.js: make console)',
  'The BPMN editor is not installed (needs Node.js: make console)');

function loadScript(file) {
  return new Promise((resolve, reject) => {
    const previous = window.BpmnJS;
    const script = document.createElement('script');
    script.src = base + file;
    script.onload = () => { const ctor = window.BpmnJS; window.BpmnJS = previous; resolve(ctor); };
    script.onerror = () => reject(new Error(`${file} ${tr('không tải được', 'failed to load')}`));
    document.head.append(script);
  });
}

export function loadModeler() {
  cache.modeler = cache.modeler || loadScript('vendor/bpmn-js/bpmn-modeler.production.min.js');
  return cache.modeler;
}

export function loadViewer() {
  cache.viewer = cache.viewer || loadScript('vendor/bpmn-js/bpmn-navigated-viewer.production.min.js');
  return cache.viewer;
}

export function camundaDescriptor() {
  cache.camunda = cache.camunda || fetch(`${base}vendor/camunda-bpmn-moddle/camunda.json`).then((r) => r.json());
  return cache.camunda;
}

/** The camunda:Properties of a business object (none: null). */
export function camundaProperties(bo) {
  const ext = bo && bo.extensionElements;
  if (!ext) return null;
  return (ext.get('values') || []).find((v) => v.$type === 'camunda:Properties') || null;
}

export function getProperty(bo, name) {
  const props = camundaProperties(bo);
  const found = props && (props.get('values') || []).find((p) => p.name === name);
  return found ? found.value : '';
}

/** Set (or remove when empty) a camunda:property through the modeling API, so undo/redo work. */
export function setProperty(modeler, element, name, value, bo = element.businessObject) {
  const modeling = modeler.get('modeling');
  const moddle = modeler.get('moddle');
  let ext = bo.extensionElements;
  if (!ext) {
    if (!value) return;
    ext = moddle.create('bpmn:ExtensionElements', { values: [] });
    modeling.updateModdleProperties(element, bo, { extensionElements: ext });
  }
  let props = camundaProperties(bo);
  if (!props) {
    if (!value) return;
    props = moddle.create('camunda:Properties', { values: [] });
    modeling.updateModdleProperties(element, ext, { values: [...ext.get('values'), props] });
  }
  const existing = (props.get('values') || []).find((p) => p.name === name);
  if (existing && value) {
    modeling.updateModdleProperties(element, existing, { value });
  } else if (existing && !value) {
    modeling.updateModdleProperties(element, props, { values: props.get('values').filter((p) => p !== existing) });
  } else if (value) {
    const prop = moddle.create('camunda:Property', { name, value });
    modeling.updateModdleProperties(element, props, { values: [...props.get('values'), prop] });
  }
}

/** Mark BPMN issues ({element_id, message, severity}) on the diagram; returns the ids not found. */
export function markIssues(instance, issues, state) {
  const overlays = instance.get('overlays');
  const canvas = instance.get('canvas');
  const registry = instance.get('elementRegistry');
  (state.marked || []).forEach((id) => { try { canvas.removeMarker(id, 'mf-error'); } catch { /* gone */ } });
  overlays.remove({ type: 'mf-issue' });
  state.marked = [];
  const missing = [];
  for (const issue of issues || []) {
    if (!issue.element_id || !registry.get(issue.element_id)) { missing.push(issue); continue; }
    const warning = issue.severity === 'warning';
    if (!warning) { canvas.addMarker(issue.element_id, 'mf-error'); state.marked.push(issue.element_id); }
    const html = document.createElement('div');
    html.className = `mf-issue-overlay${warning ? ' mf-warning-overlay' : ''}`;
    html.dataset.elementId = issue.element_id;
    html.title = tr(issue.message, issue.message_en);
    html.textContent = html.title;
    overlays.add(issue.element_id, 'mf-issue', { position: { top: -14, left: 0 }, html });
  }
  return missing;
}
