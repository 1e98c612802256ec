{#-
    A run setting of SPEC §2 (`timezone`, `base_currency`, `as_of`): the dbt var when one is
    given (`--vars`, unit-test overrides), else the environment variable `onefunnel run` sets
    (ONEFUNNEL_TIMEZONE, …), else the default. The pipeline passes settings through the
    environment rather than `--vars` because dbt parses the whole project again whenever a
    var changes, and `as_of` changes every day; a changed environment variable only makes it
    re-parse the models that use the setting.
-#}
{% macro run_setting(name, default=none) -%}
    {%- set value = var(name, none) -%}
    {%- if value is none or value == '' -%}
        {%- set value = env_var('ONEFUNNEL_' ~ name | upper, '') -%}
    {%- endif -%}
    {{ return(value if value != '' else default) }}
{%- endmacro %}
