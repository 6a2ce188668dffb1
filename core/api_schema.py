"""drf-spectacular post-processing: every API operation documents the error answers it can give, in the
shape `core.errors.api_exception_handler` gives them, so a client (and the schema fuzz test) can rely on the
schema for errors too, not only for 200."""

from __future__ import annotations

ERROR_SCHEMA = {
    "type": "object",
    "description": "Foutmelding: `detail` (tekst of lijst) of per veld een lijst meldingen.",
    "additionalProperties": True,
}

ERROR_RESPONSES = {
    "400": "Ongeldige invoer (per veld de melding).",
    "401": "Niet ingelogd of ongeldige/verlopen API-sleutel.",
    "403": "Geen toegang voor deze rol.",
    "404": "Niet gevonden, of niet van uw organisatie; ook een pagina buiten de lijst.",
    "429": "Te veel verzoeken met deze sleutel of dit account (Retry-After zegt hoe lang te wachten).",
}


def add_error_responses(result, generator, request, public):
    """POSTPROCESSING_HOOKS entry: add 400/401/403/404/429 with the error body to every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_RESPONSES.items():
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                )
    return result
