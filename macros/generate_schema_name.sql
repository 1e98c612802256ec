{#- Custom schemas are used as named (staging, intermediate, marts), not prefixed with the
    target schema: BI tools and the SPEC address `marts.<table>` directly. A run on a shared
    database builds beside what readers see, in `<schema><ONEFUNNEL_SCHEMA_SUFFIX>`
    (`marts_candidate`), until publication swaps the validated schemas in. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}{{ env_var('ONEFUNNEL_SCHEMA_SUFFIX', '') | trim }}
    {%- endif -%}
{%- endmacro %}
