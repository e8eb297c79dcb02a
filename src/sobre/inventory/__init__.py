"""The inventory: the map of the organisation's information system (CMDB)."""

from sobre.core.capabilities import Capability

CAPABILITY = Capability(
    name="inventory",
    order=20,
    commands={
        "import": "Import an inventory file (GLPI export, NumEcoEval/G4IT template or Sobre format).",
        "export": "Export the inventory (CSV, XLSX or JSON).",
        "inventory": "The inventory of an organisation's information system.",
        "service": "Digital services (websites, online procedures, internal tools).",
    },
    cli="sobre.inventory.cli:register",
    models="sobre.inventory.models",
    web="sobre.inventory.routes:register",
)
