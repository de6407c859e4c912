"""Rollout checksums: pods roll when what they read changes, and only then."""

from __future__ import annotations

from tests.helm import CHART, Helm

DEV = CHART / "ci" / "dev-values.yaml"
MINIMAL = CHART / "ci" / "minimal-values.yaml"


def _checksums(helm: Helm, values: list, sets: tuple[str, ...] = ()) -> dict[str, str]:
    docs = helm.template(values, list(sets))
    return {
        f"{d['kind']}/{d['metadata']['name']}": d["spec"]["template"]["metadata"]["annotations"][
            "checksum/secrets"
        ]
        for d in docs
        if d["kind"] in ("Deployment", "Job")
        and "checksum/secrets" in d["spec"]["template"]["metadata"].get("annotations", {})
    }


def test_generated_secrets_do_not_roll_pods_on_every_render(helm: Helm) -> None:
    """Under `helm template` (Argo CD, Flux) generated secrets are new random values at every
    render; the checksum is of their inputs, so a sync with unchanged values rolls nothing."""
    first, second = _checksums(helm, [DEV]), _checksums(helm, [DEV])
    assert first and first == second


def test_a_changed_secret_input_rolls_the_pods_that_read_it(helm: Helm) -> None:
    before = _checksums(helm, [MINIMAL])
    after = _checksums(helm, [MINIMAL], ("auth.existingSecret=lookout-auth-rotated",))
    changed = {name for name in before if before[name] != after[name]}
    assert changed, "rotating the auth Secret rolled nothing"
    assert not any("frontend" in name for name in changed), changed  # reads no auth secret
