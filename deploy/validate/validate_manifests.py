#!/usr/bin/env python3
"""Validate Kubernetes manifests offline, strictly (unknown fields are errors).

Built-in kinds go through kubernetes-validate (PyPI), whose bundled JSON schemas come from the Kubernetes
OpenAPI spec, checked against every --kubernetes-version given. Custom resources (PodMonitor,
PrometheusRule, AnalysisTemplate, Canary, MetricTemplate) are checked against the openAPIV3Schema of
their CustomResourceDefinition, given with --crd (the projects' own CRD files). The API server prunes
unknown fields of a custom resource silently, so a typo there would be lost without an error: here every
object schema that neither allows extra properties nor preserves unknown fields is closed first.

Usage: validate_manifests.py [--kubernetes-version V]... [--crd FILE]... PATH...
PATH is a YAML file or a directory (searched for *.yaml; kustomization.yaml is skipped). Exit 0 when
every document passed, 1 otherwise.
"""
import argparse
import copy
import pathlib
import sys

import jsonschema
import kubernetes_validate
import yaml


def close_objects(schema):
    """Return a copy of a CRD schema in which object schemas refuse properties they do not declare."""
    schema = copy.deepcopy(schema)

    def walk(node):
        if isinstance(node, dict):
            if ('properties' in node and 'additionalProperties' not in node
                    and not node.get('x-kubernetes-preserve-unknown-fields')):
                node['additionalProperties'] = False
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return schema


def load_crds(files):
    """Index the served versions of every CRD in `files` by (group/version, kind)."""
    index = {}
    for file in files:
        for crd in yaml.safe_load_all(pathlib.Path(file).read_text()):
            if not crd or crd.get('kind') != 'CustomResourceDefinition':
                continue
            group, kind = crd['spec']['group'], crd['spec']['names']['kind']
            for version in crd['spec']['versions']:
                schema = version.get('schema', {}).get('openAPIV3Schema')
                if schema is not None:
                    index[(f"{group}/{version['name']}", kind)] = close_objects(schema)
    return index


def manifest_files(paths):
    for path in map(pathlib.Path, paths):
        candidates = sorted(path.rglob('*.yaml')) if path.is_dir() else [path]
        yield from (c for c in candidates if c.name != 'kustomization.yaml')


def check_document(doc, crds, versions):
    """Problems of one document (an empty list when it is valid)."""
    key = (doc.get('apiVersion'), doc.get('kind'))
    if key in crds:
        validator = jsonschema.Draft7Validator(crds[key])
        problems = [f"{'.'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
                    for e in validator.iter_errors(doc)]
        if not isinstance(doc.get('metadata', {}).get('name'), str):
            problems.append('metadata.name: required')
        return problems
    problems = []
    for version in versions:
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as e:
            where = '.'.join(map(str, e.path)) or '(root)'
            problems.append(f'{where}: {e.message} (Kubernetes {version})')
        except kubernetes_validate.SchemaNotFoundError as e:
            problems.append(f'{e.message}; no --crd defines it either')
    return problems


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--kubernetes-version', action='append', dest='versions')
    parser.add_argument('--crd', action='append', default=[])
    parser.add_argument('paths', nargs='+')
    args = parser.parse_args(argv)
    versions = args.versions or ['1.30.0', kubernetes_validate.utils.latest_version()]
    crds = load_crds(args.crd)
    passed = failed = 0
    for file in manifest_files(args.paths):
        for n, doc in enumerate(yaml.safe_load_all(file.read_text())):
            if not doc:
                continue
            name = f"{file}#{n} {doc.get('kind')}/{doc.get('metadata', {}).get('name')}"
            problems = check_document(doc, crds, versions)
            if problems:
                failed += 1
                print(f'FAIL {name}')
                for problem in problems:
                    print(f'  {problem}')
            else:
                passed += 1
                print(f'ok   {name}')
    print(f'{passed} valid, {failed} invalid (Kubernetes {", ".join(versions)}; {len(crds)} custom resource versions known)')
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
