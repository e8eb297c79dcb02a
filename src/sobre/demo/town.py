"""The demo town's catalogue: departments, sites, device mix, applications (fictional, French-shaped)."""

from __future__ import annotations

from datetime import date

ORG_NAME = "Ville de Sobreville"
INHABITANTS = 60_000
#: The reporting year of the demo ends here, so that the demo's figures do not change with the calendar.
REFERENCE_DATE = date(2025, 12, 31)
#: Who hands the demo report over, and the date it is issued (fixed, so the report is the same every day).
AUTHOR = "Direction du numérique, Ville de Sobreville"
ISSUED = date(2026, 1, 15)

DEPARTMENTS = [  # name, headcount
    ("Direction générale", 45),
    ("Finances", 70),
    ("Ressources humaines", 55),
    ("Urbanisme", 60),
    ("Éducation", 260),
    ("Culture", 110),
    ("Sports", 75),
    ("Police municipale", 80),
    ("DSI", 40),
    ("Services techniques", 305),
]
OFFICES = [  # name, city, main departments
    ("Hôtel de ville", ["Direction générale", "Finances", "Ressources humaines", "Urbanisme", "DSI"]),
    ("Centre technique municipal", ["Services techniques"]),
    ("Médiathèque Louise-Michel", ["Culture"]),
    ("Conservatoire", ["Culture"]),
    ("Poste de police municipale", ["Police municipale"]),
    ("Complexe sportif des Tilleuls", ["Sports"]),
    ("Groupe scolaire Jean-Jaurès", ["Éducation"]),
    ("Groupe scolaire Marie-Curie", ["Éducation"]),
    ("École Jules-Ferry", ["Éducation"]),
    ("École Simone-Veil", ["Éducation"]),
    ("École du Parc", ["Éducation"]),
    ("École des Moulins", ["Éducation"]),
]
SERVER_ROOMS = [("Salle serveur Hôtel de ville", 1.9), ("Salle serveur CTM", 1.8)]
COLOCATION = ("Datacentre de colocation Lyon", 1.4)
CLOUD_REGIONS = [("OVHcloud Gravelines", "ovh", "gra"), ("AWS Paris eu-west-3", "aws", "eu-west-3")]

INSTANCE_TYPES = {
    "ovh": [("b3-8", 2, 8), ("b3-16", 4, 16), ("c3-8", 4, 8)],
    "aws": [("t3.medium", 2, 4), ("m5.large", 2, 8), ("c5.xlarge", 4, 8)],
}

# (GLPI type text, manufacturer, model, count, purchase years back (min, max))
END_USER = [
    ("Portable", "Dell", "Latitude 5420", 240, (1, 5)),
    ("Portable", "HP", "EliteBook 840 G7", 200, (1, 6)),
    ("Portable", "Lenovo", "ThinkPad T14 Gen 2", 160, (0, 4)),
    ("Ordinateur", "Dell", "OptiPlex 7070", 200, (2, 8)),
    ("Ordinateur", "HP", "ProDesk 600 G4", 180, (3, 9)),
    ("Client léger", "Dell", "Wyse 5070", 60, (2, 7)),
    ("Écran", "Dell", "P2419H", 520, (1, 9)),
    ("Écran", "HP", "E24 G4", 380, (0, 6)),
    ("Smartphone", "Samsung", "Galaxy A52s 5G", 200, (0, 4)),
    ("Smartphone", "Apple", "iPhone 12", 120, (1, 5)),
    ("Tablette", "Apple", "iPad 9th generation", 150, (0, 4)),
    ("Imprimante multifonction", "Ricoh", "IM C3000", 55, (1, 8)),
    ("Imprimante", "HP", "LaserJet Pro M404dn", 30, (2, 9)),
    ("Téléphone IP", "Yealink", "T54W", 500, (1, 9)),
    ("Affichage dynamique", "Samsung", "QM55R", 25, (1, 6)),
]
PREFIX = {
    "Portable": "PC",
    "Ordinateur": "UC",
    "Client léger": "CL",
    "Écran": "ECR",
    "Smartphone": "TEL",
    "Tablette": "TAB",
    "Imprimante multifonction": "MFP",
    "Imprimante": "IMP",
    "Téléphone IP": "TIP",
    "Affichage dynamique": "AFF",
}
DEPT_CODE = {
    "Direction générale": "DG",
    "Finances": "FIN",
    "Ressources humaines": "RH",
    "Urbanisme": "URB",
    "Éducation": "EDU",
    "Culture": "CUL",
    "Sports": "SPO",
    "Police municipale": "PM",
    "DSI": "DSI",
    "Services techniques": "ST",
}
FIRST = [
    "Camille",
    "Léa",
    "Manon",
    "Chloé",
    "Inès",
    "Sarah",
    "Julie",
    "Emma",
    "Lucas",
    "Hugo",
    "Louis",
    "Nathan",
    "Thomas",
    "Jules",
    "Paul",
    "Nicolas",
    "Sophie",
    "Claire",
    "Antoine",
    "Marie",
    "Pierre",
    "Anne",
    "Yasmine",
    "Karim",
    "Mehdi",
    "Fatou",
    "Élodie",
    "Benoît",
    "Hélène",
    "François",
]
LAST = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Legrand",
]
APPS = [  # name, domain, users, department, VMs, on cloud
    ("Ciril Finances", "Finances", 90, "Finances", 3, False),
    ("Paie RH", "RH", 70, "Ressources humaines", 2, False),
    ("Urbanisme ADS", "Urbanisme", 60, "Urbanisme", 2, False),
    ("Cadastre SIG", "Urbanisme", 85, "Urbanisme", 3, False),
    ("État civil", "Population", 40, "Direction générale", 2, False),
    ("Élections", "Population", 25, "Direction générale", 1, False),
    ("Portail famille", "Éducation", 9_000, "Éducation", 2, True),
    ("Restauration scolaire", "Éducation", 120, "Éducation", 2, False),
    ("ENT écoles", "Éducation", 4_500, "Éducation", 0, True),
    ("Médiathèque SIGB", "Culture", 6_000, "Culture", 2, False),
    ("Billetterie conservatoire", "Culture", 800, "Culture", 1, True),
    ("Réservation équipements sportifs", "Sports", 1_500, "Sports", 1, True),
    ("Main courante PM", "Sécurité", 80, "Police municipale", 1, False),
    ("Vidéoprotection", "Sécurité", 20, "Police municipale", 4, False),
    ("GMAO Services techniques", "Patrimoine", 150, "Services techniques", 2, False),
    ("Gestion du courrier", "Administration", 300, "Direction générale", 1, False),
    ("GED", "Administration", 900, "Direction générale", 3, False),
    ("Messagerie", "Collaboration", 1_100, "DSI", 4, False),
    ("Intranet", "Collaboration", 1_100, "DSI", 2, False),
    ("Site internet", "Communication", 25_000, "Direction générale", 0, True),
    ("Annuaire LDAP", "Infrastructure", 1_100, "DSI", 2, False),
    ("Supervision", "Infrastructure", 12, "DSI", 2, False),
    ("Sauvegarde", "Infrastructure", 8, "DSI", 3, False),
    ("Helpdesk GLPI", "Infrastructure", 1_100, "DSI", 1, False),
    ("Téléphonie IPBX", "Infrastructure", 1_000, "DSI", 2, False),
    ("Impression sécurisée", "Infrastructure", 1_100, "DSI", 1, False),
    ("Marchés publics", "Finances", 35, "Finances", 1, False),
    ("Subventions", "Finances", 20, "Finances", 1, False),
    ("Gestion du temps", "RH", 1_100, "Ressources humaines", 2, False),
    ("Formation", "RH", 30, "Ressources humaines", 1, False),
]


#: Power of always-on office network gear (W), declared as yearly energy (× 8,760 h); other items rely on
#: the factor set's defaults.
NETWORK_POWER_W = {"switch": 60, "wifi_access_point": 15, "ups": 90}
#: The same for the server rooms' gear (data-centre switches, routers, firewalls; a UPS's own losses), as an
#: inventory taken from nameplates and PDU readings would give them (demo figures, not factors).
ROOM_NETWORK_POWER_W = {"switch": 300, "router": 100, "firewall": 150, "ups": 250}
#: Physical servers that are not virtualisation hosts (every third server is one) and were not retired.
PLAIN_SERVERS = [f"srv-{i + 1:03d}" for i in range(120) if i % 3 and i not in (7, 58)]
