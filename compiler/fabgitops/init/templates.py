"""The starter files of ``fabgitops init``, as text templates.

They are the user's files from the first byte on (no generated-file header): the compiler never
rewrites or prunes them. ``{schema}`` and ``__VERSION__`` are filled in by ``starter_files``.
"""

from __future__ import annotations

CONFIG_PATH = "cluster-config.yaml"
SCHEMA_PATH = "cluster-config.schema.json"
"""Beside the config, so that the editor hint works offline and matches the installed release."""
WORKFLOW_PATH = ".github/workflows/fabgitops.yml"

# GitHub Actions pinned to full commit SHAs (a tag can be moved; a SHA cannot), with the
# release each SHA is, for Dependabot/Renovate and for reviewers.
CHECKOUT = "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1"
CHECKOUT_RELEASE = "v7.0.1"
SETUP_PYTHON = "actions/setup-python@5fda3b95a4ea91299a34e894583c3862153e4b97"
SETUP_PYTHON_RELEASE = "v7.0.0"
GITHUB_SCRIPT = "actions/github-script@ed597411d8f924073f98dfc5c65a23a2325f34cd"
GITHUB_SCRIPT_RELEASE = "v8.0.0"

CONFIG = """\
# yaml-language-server: $schema={schema}
# The Hyperledger Fabric network of this repository, and how it reaches the cluster.
# `fabgitops validate` checks it, `fabgitops compile` writes bases/, overlays/ and clusters/
# next to it, `fabgitops schema` prints every setting with its default (after upgrading
# fabgitops, refresh the editor's copy: fabgitops schema > {schema}).

Network:
  Name: fabric                # names clusters/<Name>/ and the Argo CD / Flux objects
  FabricVersion: "3.1"        # "3.1" or "2.5" (2.5 for kafka or solo ordering)
  # NamespacePrefix: prod-    # prepended to every namespace, so that two networks share a cluster

OrdererOrgs:
  - Name: Orderer
    Domain: orderer           # the org's Kubernetes namespace: a DNS label
    EnableNodeOUs: true       # classify identities as client, peer, admin or orderer
    Template:
      Count: 3                # etcdraft with 3 orderers survives the loss of one

PeerOrgs:
  - Name: Org1
    Domain: org1
    EnableNodeOUs: true
    Template:
      Count: 2                # peer0, peer1 (Services peer0.org1, peer1.org1)
    Users:
      Count: 1                # User1@org1; Admin@org1 always exists
    # AnchorPeers: [peer0]    # default: the first peer
    # StateDatabase: CouchDB  # or LevelDB

  - Name: Org2
    Domain: org2
    EnableNodeOUs: true
    Template:
      Count: 2
    Users:
      Count: 1

Consensus:
  Type: etcdraft              # etcdraft | BFT (3.1, at least 4 orderers) | kafka, solo (2.5)
  BatchTimeout: 2s

Channels:
  - Name: mychannel
    Organizations: [Org1, Org2]

Kubernetes:
  # StorageClass: standard    # default: the cluster's default StorageClass
  Expose: ClusterIP           # ClusterIP | NodePort | Ingress (clients outside the cluster)
  NetworkPolicies: true

GitOps:
  Engine: argocd              # argocd | flux | none: which controller syncs the output
  # RepoURL: https://github.com/acme/fabric-network.git   # default: this repository's remote
  Branch: main                # the branch the controller follows
  # Path: ""                  # directory of the output in the repository ("" = next to this file)

Secrets:
  Mode: sealed-secrets        # sealed-secrets (Argo CD or Flux) | sops (Flux) | plain (tests only)
  SealedSecrets:
    Scope: strict
    # The controller's certificate: `kubeseal --fetch-cert > sealed-secrets.pem`. It is public:
    # commit it, or pass it to `fabgitops compile --seal-cert FILE`.
    # Certificate: sealed-secrets.pem
  # Sops:                     # with Mode: sops; Flux holds the matching identity (Secret sops-age)
  #   AgeRecipients: [age1...]

# Who can decrypt the CA and node private keys kept in .fabgitops/keystore/ (age recipients).
# Add yours (`fabgitops` prints it when it creates your local identity) and CI's: the public key
# of the FABGITOPS_AGE_IDENTITY repository secret (`age-keygen -y identity.txt`).
# Keystore:
#   AgeRecipients:
#     - age1...               # you
#     - age1...               # CI
"""

INSTALL_STEPS = """\
      - uses: __SETUP_PYTHON__
        with:
          python-version: "3.12"
      - name: Install fabgitops
        run: python -m pip install "fabgitops==${FABGITOPS_VERSION}"\
"""
"""Steps both jobs start with (after checkout)."""

SEAL_CERT_STEP = """\
      - name: Sealing certificate
        env:
          FABGITOPS_SEAL_CERT: ${{ secrets.FABGITOPS_SEAL_CERT }}
        run: |
          # The secret wins over the committed file; with neither, compile reads
          # Secrets.SealedSecrets.Certificate (sops and plain modes need no certificate).
          if [ -n "$FABGITOPS_SEAL_CERT" ]; then
            printf '%s\\n' "$FABGITOPS_SEAL_CERT" > "$RUNNER_TEMP/seal-cert.pem"
            echo "SEAL_CERT=$RUNNER_TEMP/seal-cert.pem" >> "$GITHUB_ENV"
          elif [ -f "$SEAL_CERT_FILE" ]; then
            echo "SEAL_CERT=$SEAL_CERT_FILE" >> "$GITHUB_ENV"
          fi\
"""
"""How both jobs find the sealing certificate: one rule, so check and commit agree."""

WORKFLOW = """\
# fabgitops: every pull request is validated, checked and previewed; every push to main is
# compiled, committed and pushed, and Argo CD or Flux applies the result.
# Written by `fabgitops init`; this file is yours to edit.
#
# Repository secrets (Settings > Secrets and variables > Actions):
#   FABGITOPS_AGE_IDENTITY  an age identity (AGE-SECRET-KEY-1...) whose recipient is listed in
#                           Keystore.AgeRecipients: it opens the keystore, so that CI reuses the
#                           existing CAs and keys and can issue certificates for new nodes.
#   FABGITOPS_SEAL_CERT     optional: the Sealed Secrets controller certificate (PEM), when it is
#                           not committed as the file named by SEAL_CERT_FILE below.
# Pull requests from branches of this repository receive FABGITOPS_AGE_IDENTITY, so anyone who
# can push a branch can run code that reads it: restrict who can push, or move the secret to an
# environment with required reviewers (jobs.<job>.environment). Pull requests from forks get no
# secrets; their compile and diff steps are skipped.
# The push job pushes with GITHUB_TOKEN (a push that starts no further workflow run); a
# protected main branch must allow it, or use a deploy key or a GitHub App token instead.
name: fabgitops

on:
  pull_request:
  push:
    branches: [main]

permissions:
  contents: read

env:
  FABGITOPS_VERSION: "__VERSION__"
  CONFIG: cluster-config.yaml
  SEAL_CERT_FILE: sealed-secrets.pem
  # "true": a pull request must carry the compiled output (`fabgitops compile` committed with
  # it); "false": the push to main compiles and commits it after the merge.
  REQUIRE_COMMITTED_OUTPUT: "false"

jobs:
  check:
    if: github.event_name == 'pull_request'
    runs-on: ubuntu-24.04
    timeout-minutes: 20
    permissions:
      contents: read
      pull-requests: write  # the diff comment
    concurrency:
      group: fabgitops-pr-${{ github.event.pull_request.number }}
      cancel-in-progress: true
    steps:
      - uses: __CHECKOUT__
        with:
          persist-credentials: false
__INSTALL_STEPS__
      - name: Validate
        run: fabgitops validate -c "$CONFIG" --format github
__SEAL_CERT_STEP__
      - name: Compiled output up to date
        env:
          FABGITOPS_AGE_IDENTITY: ${{ secrets.FABGITOPS_AGE_IDENTITY }}
        run: |
          if [ -z "$FABGITOPS_AGE_IDENTITY" ]; then
            echo "::notice title=fabgitops::no FABGITOPS_AGE_IDENTITY (a fork?): check skipped"
            exit 0
          fi
          status=0
          fabgitops compile -c "$CONFIG" --check ${SEAL_CERT:+--seal-cert "$SEAL_CERT"} || status=$?
          # Exit 4: the committed output is out of date.
          if [ "$status" -eq 4 ] && [ "$REQUIRE_COMMITTED_OUTPUT" != "true" ]; then
            echo "::notice title=fabgitops::output not committed; the push to main compiles it"
            exit 0
          fi
          exit "$status"
      - name: Diff
        id: diff
        env:
          FABGITOPS_AGE_IDENTITY: ${{ secrets.FABGITOPS_AGE_IDENTITY }}
        run: |
          if [ -z "$FABGITOPS_AGE_IDENTITY" ]; then
            echo "::notice title=fabgitops::no FABGITOPS_AGE_IDENTITY (a fork?): diff skipped"
            exit 0
          fi
          status=0
          fabgitops diff -c "$CONFIG" --format markdown ${SEAL_CERT:+--seal-cert "$SEAL_CERT"} \\
            > "$RUNNER_TEMP/fabgitops-diff.md" || status=$?
          # Exit 4 would only say that there are differences, which is what a diff is for.
          if [ "$status" -ne 0 ] && [ "$status" -ne 4 ]; then
            exit "$status"
          fi
          cat "$RUNNER_TEMP/fabgitops-diff.md" >> "$GITHUB_STEP_SUMMARY"
          echo "file=$RUNNER_TEMP/fabgitops-diff.md" >> "$GITHUB_OUTPUT"
      - name: Comment the diff on the pull request
        if: >-
          steps.diff.outputs.file != '' &&
          github.event.pull_request.head.repo.full_name == github.repository
        uses: __GITHUB_SCRIPT__
        env:
          DIFF_FILE: ${{ steps.diff.outputs.file }}
        with:
          script: |
            // One comment per pull request, updated on every push (found by its marker).
            const fs = require('fs');
            const marker = '<!-- fabgitops-diff -->';
            const limit = 60000;  // GitHub rejects comments over 65536 characters
            let diff = fs.readFileSync(process.env.DIFF_FILE, 'utf8');
            if (diff.length > limit) {
              diff = diff.slice(0, limit);
              if ((diff.match(/^```/gm) || []).length % 2 === 1) {
                diff += '\\n```';
              }
              diff += '\\n\\n(truncated: the whole diff is in the job summary)\\n';
            }
            const body = `${marker}\\n${diff}`;
            const { owner, repo } = context.repo;
            const issue_number = context.issue.number;
            const comments = await github.paginate(github.rest.issues.listComments,
              { owner, repo, issue_number, per_page: 100 });
            const previous = comments.find(
              (c) => c.user.type === 'Bot' && c.body.includes(marker));
            if (previous) {
              await github.rest.issues.updateComment(
                { owner, repo, comment_id: previous.id, body });
            } else {
              await github.rest.issues.createComment({ owner, repo, issue_number, body });
            }

  compile:
    if: github.event_name == 'push'
    runs-on: ubuntu-24.04
    timeout-minutes: 30
    permissions:
      contents: write  # commit and push the compiled output
    concurrency:
      group: fabgitops-compile-${{ github.ref }}
      cancel-in-progress: false  # never abandon a compile halfway; runs queue instead
    steps:
      - uses: __CHECKOUT__
__INSTALL_STEPS__
__SEAL_CERT_STEP__
      - name: Compile, commit and push
        env:
          FABGITOPS_AGE_IDENTITY: ${{ secrets.FABGITOPS_AGE_IDENTITY }}
        run: |
          if [ -z "$FABGITOPS_AGE_IDENTITY" ]; then
            # Without the identity the keystore cannot be opened: stop rather than risk new CAs.
            echo "::error title=fabgitops::set the repository secret FABGITOPS_AGE_IDENTITY"
            exit 1
          fi
          git config user.name "github-actions[bot]"
          git config user.email "41898282+github-actions[bot]@users.noreply.github.com"
          fabgitops compile -c "$CONFIG" --commit --push ${SEAL_CERT:+--seal-cert "$SEAL_CERT"}
"""
