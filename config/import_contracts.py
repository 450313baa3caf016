"""A contract type for import-linter that its built-in ones cannot say:
"these modules import, from the project's own packages, only those"."""

from importlinter import Contract, ContractCheck, fields, output
from importlinter.domain import helpers


class ImportsOnlyContract(Contract):
    """Each module matched by `source_modules` may import, of the root
    packages, only modules matched by `allowed_modules` (and its own
    descendants). Third-party and standard-library imports are not judged."""

    type_name = "imports_only"

    source_modules = fields.SetField(subfield=fields.ModuleExpressionField())
    allowed_modules = fields.SetField(subfield=fields.ModuleExpressionField())

    def check(self, graph, verbose: bool) -> ContractCheck:
        roots = set(self.session_options.get("root_packages") or [])
        if self.session_options.get("root_package"):
            roots.add(self.session_options["root_package"])
        sources = helpers.module_expressions_to_modules(graph, self.source_modules)
        allowed = {
            m.name for m in helpers.module_expressions_to_modules(graph, self.allowed_modules)
        }
        broken = []
        for source in sorted(m.name for m in sources):
            own = {source, *graph.find_descendants(source)}
            for imported in sorted(graph.find_modules_directly_imported_by(source)):
                if imported.split(".")[0] not in roots or imported in allowed | own:
                    continue
                lines = [
                    detail["line_number"]
                    for detail in graph.get_import_details(importer=source, imported=imported)
                ]
                broken.append({"importer": source, "imported": imported, "lines": lines})
        return ContractCheck(kept=not broken, metadata={"broken": broken})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for link in check.metadata["broken"]:
            lines = ", ".join(f"l.{n}" for n in link["lines"])
            output.print_error(f"{link['importer']} imports {link['imported']} ({lines})")
            output.new_line()


class SeparateContract(Contract):
    """No module matched by `modules` imports another of them directly (each
    module on its own: a package's __init__ is one module, not its tree)."""

    type_name = "separate"

    modules = fields.SetField(subfield=fields.ModuleExpressionField())

    def check(self, graph, verbose: bool) -> ContractCheck:
        matched = {m.name for m in helpers.module_expressions_to_modules(graph, self.modules)}
        broken = []
        for importer in sorted(matched):
            for imported in sorted(graph.find_modules_directly_imported_by(importer) & matched):
                lines = [
                    detail["line_number"]
                    for detail in graph.get_import_details(importer=importer, imported=imported)
                ]
                broken.append({"importer": importer, "imported": imported, "lines": lines})
        return ContractCheck(kept=not broken, metadata={"broken": broken})

    render_broken_contract = ImportsOnlyContract.render_broken_contract
