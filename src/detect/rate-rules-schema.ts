/**
 * JSON Schema (draft-07) of the rate-rules YAML file, version 1 (see
 * rate-rules.ts for the meaning of each field). Kept as a module so the
 * compiled CLI needs no data files beside it.
 */
export const RATE_RULES_SCHEMA = {
  "$schema": "http://json-schema.org/draft-07/schema#",
  "$id": "https://apisensor.dev/schemas/rate-rules-v1.json",
  "title": "apisensor rate and quota rules, version 1",
  "type": "object",
  "additionalProperties": false,
  "required": [
    "version",
    "rules"
  ],
  "properties": {
    "version": {
      "const": 1
    },
    "rules": {
      "type": "array",
      "maxItems": 1000,
      "items": {
        "type": "object",
        "additionalProperties": false,
        "required": [
          "name",
          "limit",
          "windowSec"
        ],
        "properties": {
          "name": {
            "type": "string",
            "minLength": 1,
            "maxLength": 128
          },
          "match": {
            "type": "object",
            "additionalProperties": false,
            "properties": {
              "host": {
                "type": "string",
                "minLength": 1
              },
              "method": {
                "type": "string",
                "pattern": "^(\\*|[A-Z]+)$"
              },
              "path": {
                "type": "string",
                "pattern": "^(\\*|/.*)$"
              }
            }
          },
          "per": {
            "enum": [
              "principal",
              "ip",
              "principal_endpoint",
              "endpoint",
              "host"
            ]
          },
          "limit": {
            "type": "integer",
            "minimum": 1
          },
          "windowSec": {
            "type": "number",
            "exclusiveMinimum": 0,
            "maximum": 86400
          },
          "burst": {
            "type": "integer",
            "minimum": 0
          },
          "severity": {
            "enum": [
              "info",
              "low",
              "medium",
              "high",
              "critical"
            ]
          }
        }
      }
    }
  }
} as const;
