# target: openbao
path "kv/metadata/a/*" {
  capabilities = ["read"]
  list_scan_response_keys_filter_path = "kv/data/{{ .key }}"  # expect: list-filter-without-list
}

path "kv/metadata/b/*" {
  capabilities = ["list"]
  list_scan_response_keys_filter_path = "kv/data/{{ .key }}"
}
