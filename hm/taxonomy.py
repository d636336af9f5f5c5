"""The H&M-like catalogue vocabulary the generator draws from.

Names and code styles follow the real articles.csv; each number always comes with the same name,
and each department always sits in the same section, as in the real file.
"""

from __future__ import annotations

from typing import NamedTuple


class ProductType(NamedTuple):
    no: int
    name: str
    group: str  # product_group_name
    shape: str  # silhouette drawn for it (hm.draw.SHAPES)
    price: float  # typical list price, SEK/10-ish like the real file's scale before /590


class Department(NamedTuple):
    no: int
    name: str
    section: int
    indexes: str  # index codes the department sells under (several for shared departments)
    garment_group: int
    types: tuple[int, ...]  # product_type_no sold here
    weight: float = 1.0  # share of the catalogue
    denim: bool = False  # mostly Denim appearance, blue colours


PRODUCT_TYPES = {
    t.no: t
    for t in (
        ProductType(253, "Vest top", "Garment Upper body", "vest", 9.99),
        ProductType(255, "T-shirt", "Garment Upper body", "tee", 9.99),
        ProductType(254, "Top", "Garment Upper body", "tee", 14.99),
        ProductType(252, "Sweater", "Garment Upper body", "longsleeve", 24.99),
        ProductType(245, "Cardigan", "Garment Upper body", "jacket", 29.99),
        ProductType(308, "Hoodie", "Garment Upper body", "longsleeve", 24.99),
        ProductType(258, "Blouse", "Garment Upper body", "longsleeve", 24.99),
        ProductType(259, "Shirt", "Garment Upper body", "longsleeve", 24.99),
        ProductType(264, "Jacket", "Garment Upper body", "jacket", 49.99),
        ProductType(267, "Blazer", "Garment Upper body", "jacket", 49.99),
        ProductType(262, "Coat", "Garment Upper body", "coat", 79.99),
        ProductType(272, "Trousers", "Garment Lower body", "trousers", 29.99),
        ProductType(273, "Leggings/Tights", "Garment Lower body", "leggings", 12.99),
        ProductType(274, "Shorts", "Garment Lower body", "shorts", 19.99),
        ProductType(275, "Skirt", "Garment Lower body", "skirt", 24.99),
        ProductType(265, "Dress", "Garment Full body", "dress", 34.99),
        ProductType(268, "Jumpsuit/Playsuit", "Garment Full body", "jumpsuit", 34.99),
        ProductType(263, "Bodysuit", "Garment Full body", "bodysuit", 9.99),
        ProductType(306, "Bra", "Underwear", "bra", 19.99),
        ProductType(286, "Underwear bottom", "Underwear", "briefs", 7.99),
        ProductType(296, "Pyjama set", "Nightwear", "jumpsuit", 24.99),
        ProductType(302, "Socks", "Socks & Tights", "socks", 4.99),
        ProductType(304, "Underwear Tights", "Socks & Tights", "leggings", 9.99),
        ProductType(59, "Swimwear bottom", "Swimwear", "briefs", 12.99),
        ProductType(60, "Bikini top", "Swimwear", "bra", 14.99),
        ProductType(57, "Swimsuit", "Swimwear", "bodysuit", 24.99),
        ProductType(87, "Boots", "Shoes", "boots", 49.99),
        ProductType(89, "Sneakers", "Shoes", "shoes", 29.99),
        ProductType(91, "Sandals", "Shoes", "shoes", 24.99),
        ProductType(66, "Bag", "Accessories", "bag", 24.99),
        ProductType(70, "Hat/beanie", "Accessories", "hat", 9.99),
        ProductType(71, "Scarf", "Accessories", "scarf", 14.99),
    )
}

INDEX_GROUPS = {1: "Ladieswear", 2: "Divided", 3: "Menswear", 4: "Baby/Children", 26: "Sport"}

# index_code -> (index_name, index_group_no)
INDEXES = {
    "A": ("Ladieswear", 1),
    "B": ("Lingeries/Tights", 1),
    "C": ("Ladies Accessories", 1),
    "D": ("Divided", 2),
    "F": ("Menswear", 3),
    "G": ("Baby Sizes 50-98", 4),
    "H": ("Children Sizes 92-140", 4),
    "I": ("Children Sizes 134-170", 4),
    "J": ("Children Accessories, Swimwear", 4),
    "S": ("Sport", 26),
}

SECTIONS = {
    5: "Ladies H&M Sport",
    11: "Womens Tailoring",
    15: "Womens Everyday Basics",
    16: "Womens Everyday Collection",
    18: "Womens Trend",
    20: "Contemporary Smart",
    21: "Contemporary Casual",
    23: "Men Accessories",
    26: "Men Underwear",
    27: "Mens Outerwear",
    29: "Men H&M Sport",
    41: "Baby Essentials & Complements",
    42: "Young Girl",
    43: "Kids Girl",
    45: "Kids Boy",
    47: "Young Boy",
    52: "Divided Basics",
    53: "Divided Collection",
    57: "Ladies Denim",
    61: "Womens Lingerie",
    62: "Womens Nightwear, Socks & Tigh",
    64: "Womens Shoes",
    65: "Womens Big accessories",
    70: "Divided Accessories",
    72: "Kids Accessories, Swimwear & D",
    77: "Kids & Baby Shoes",
}

GARMENT_GROUPS = {
    1002: "Jersey Basic",
    1003: "Knitwear",
    1005: "Jersey Fancy",
    1006: "Woven/Jersey/Knitted mix Baby",
    1007: "Outdoor",
    1008: "Dressed",
    1009: "Trousers",
    1010: "Blouses",
    1011: "Shirts",
    1012: "Skirts",
    1013: "Dresses Ladies",
    1016: "Trousers Denim",
    1017: "Under-, Nightwear",
    1018: "Swimwear",
    1019: "Accessories",
    1020: "Shoes",
    1021: "Socks and Tights",
    1025: "Shorts",
}

DEPARTMENTS = (
    # Ladieswear
    Department(1676, "Jersey Basic", 15, "A", 1002, (253, 255, 254, 273), 3.0),
    Department(1636, "Jersey Fancy", 16, "A", 1005, (254, 255, 265, 308), 2.5),
    Department(1626, "Knitwear", 16, "A", 1003, (252, 245), 2.0),
    Department(1643, "Blouse", 16, "A", 1010, (258, 254), 2.0),
    Department(1722, "Trousers", 11, "A", 1009, (272, 274), 2.0),
    Department(1747, "Dress", 16, "A", 1013, (265, 268), 2.5),
    Department(1717, "Skirt", 16, "A", 1012, (275,), 1.0),
    Department(1750, "Outdoor", 11, "A", 1007, (264, 262, 267), 1.2),
    Department(1949, "Denim Trousers", 57, "AD", 1016, (272, 274, 275), 1.5, denim=True),
    Department(1338, "Expressive Lingerie", 61, "B", 1017, (306, 286), 1.5),
    Department(1339, "Clean Lingerie", 61, "B", 1017, (306, 286), 1.0),
    Department(3608, "Tights basic", 62, "B", 1021, (304, 302), 1.0),
    Department(3611, "Nightwear", 62, "B", 1017, (296, 255), 0.8),
    Department(3209, "Shoes", 64, "AC", 1020, (87, 89, 91), 1.2),
    Department(3509, "Bags", 65, "CD", 1019, (66,), 0.8),
    Department(3510, "Small Accessories", 65, "CDF", 1019, (70, 71), 0.9),
    Department(4242, "Swimwear", 16, "AD", 1018, (59, 60, 57), 1.2),
    # Divided
    Department(8310, "Jersey", 52, "D", 1002, (253, 255, 254), 2.0),
    Department(8716, "Divided Knitwear", 53, "D", 1003, (252, 245), 1.0),
    Department(8852, "Divided Woven", 53, "D", 1010, (258, 265, 275), 1.5),
    Department(8559, "Divided Trousers", 52, "D", 1009, (272, 274, 273), 1.2),
    Department(8917, "Divided Dresses", 53, "D", 1013, (265, 268), 1.2),
    Department(8918, "Divided Outerwear", 53, "D", 1007, (264, 262), 0.6),
    Department(7930, "Divided Accessories", 70, "D", 1019, (66, 70, 71, 302), 0.8),
    # Menswear
    Department(5883, "Men Underwear", 26, "F", 1017, (286, 302), 1.0),
    Department(2032, "Jersey", 21, "F", 1002, (255, 253, 308), 2.0),
    Department(2033, "Knitwear", 21, "F", 1003, (252, 245), 1.0),
    Department(2034, "Shirt", 20, "F", 1011, (259,), 1.2),
    Department(2035, "Trouser", 20, "F", 1009, (272, 274), 1.2),
    Department(2036, "Denim", 21, "F", 1016, (272, 274), 0.8, denim=True),
    Department(2037, "Blazer & Suits", 20, "F", 1008, (267, 272), 0.6),
    Department(2038, "Outerwear", 27, "F", 1007, (264, 262), 0.7),
    Department(2039, "Men Shoes", 23, "F", 1020, (87, 89), 0.5),
    Department(2040, "Men Accessories", 23, "F", 1019, (70, 71, 66), 0.5),
    # Baby/Children
    Department(6515, "Baby basics", 41, "G", 1006, (263, 255, 273), 1.5),
    Department(6516, "Baby Girl", 41, "G", 1006, (265, 263, 273), 1.0),
    Department(6517, "Baby Boy", 41, "G", 1006, (263, 272, 255), 1.0),
    Department(7616, "Kids Girl Jersey Basic", 43, "H", 1002, (255, 273, 265), 1.2),
    Department(7617, "Kids Girl Dresses", 43, "H", 1013, (265, 275), 0.8),
    Department(7618, "Kids Boy Jersey Basic", 45, "H", 1002, (255, 308, 274), 1.2),
    Department(7619, "Kids Boy Trouser", 45, "H", 1009, (272, 274), 0.8),
    Department(7620, "Kids Boy Denim", 45, "HI", 1016, (272, 274), 0.6, denim=True),
    Department(7820, "Young Girl Jersey Fancy", 42, "I", 1005, (254, 265, 308), 1.0),
    Department(7821, "Young Boy Jersey", 47, "I", 1002, (255, 308, 252), 1.0),
    Department(7822, "Young Boy Trouser", 47, "I", 1009, (272, 274), 0.6),
    Department(7823, "Kids Outerwear", 72, "HIJ", 1007, (264, 262), 0.6),
    Department(7824, "Kids Swimwear", 72, "J", 1018, (59, 57, 60), 0.5),
    Department(7825, "Kids Accessories", 72, "J", 1019, (70, 71, 66, 302), 0.6),
    Department(7826, "Kids Shoes", 77, "GHJ", 1020, (89, 87, 91), 0.6),
    # Sport, shared by the index groups that sell sportswear
    Department(5000, "Ladies Sport Bras", 5, "S", 1017, (306,), 0.5),
    Department(5001, "Ladies Sport Bottoms", 5, "S", 1009, (273, 274), 0.6),
    Department(5002, "Sport Tops", 5, "SF", 1002, (253, 255, 308), 0.8),
    Department(5003, "Men Sport Bottoms", 29, "SF", 1009, (274, 272), 0.4),
    Department(5004, "Sport Outerwear", 29, "SFI", 1007, (264,), 0.4),
    Department(5005, "Sport Shoes", 29, "SF", 1020, (89,), 0.3),
)


class Colour(NamedTuple):
    code: int
    name: str
    rgb: tuple[int, int, int]
    value: int  # perceived_colour_value_id
    master: int  # perceived_colour_master_id
    weight: float


PERCEIVED_VALUES = {
    1: "Dark",
    2: "Light",
    3: "Dusty Light",
    4: "Medium Dusty",
    5: "Bright",
    6: "Medium",
    7: "Undefined",
}
PERCEIVED_MASTERS = {
    2: "Blue",
    3: "Khaki green",
    4: "Pink",
    5: "Black",
    6: "Lilac Purple",
    8: "Yellow",
    9: "White",
    11: "Beige",
    12: "Grey",
    13: "Orange",
    15: "Turquoise",
    18: "Red",
    19: "Green",
    20: "Brown",
}

COLOURS = (
    Colour(9, "Black", (28, 28, 30), 1, 5, 20.0),
    Colour(10, "White", (244, 244, 240), 2, 9, 9.0),
    Colour(11, "Off White", (234, 228, 212), 2, 9, 3.0),
    Colour(6, "Light Grey", (196, 198, 200), 2, 12, 3.0),
    Colour(7, "Grey", (140, 142, 145), 4, 12, 2.5),
    Colour(8, "Dark Grey", (72, 74, 78), 1, 12, 3.0),
    Colour(12, "Light Beige", (222, 204, 178), 3, 11, 3.5),
    Colour(13, "Beige", (196, 170, 130), 4, 11, 3.0),
    Colour(73, "Dark Blue", (30, 40, 78), 1, 2, 9.0),
    Colour(72, "Blue", (48, 92, 168), 6, 2, 4.0),
    Colour(71, "Light Blue", (150, 182, 220), 2, 2, 3.5),
    Colour(51, "Light Pink", (240, 190, 200), 2, 4, 3.5),
    Colour(52, "Pink", (226, 112, 150), 5, 4, 2.0),
    Colour(42, "Red", (198, 32, 42), 5, 18, 2.5),
    Colour(43, "Dark Red", (112, 24, 34), 1, 18, 1.5),
    Colour(33, "Orange", (232, 120, 40), 5, 13, 1.0),
    Colour(91, "Light Green", (172, 214, 164), 2, 19, 1.0),
    Colour(93, "Dark Green", (32, 72, 46), 1, 19, 2.0),
    Colour(19, "Greenish Khaki", (118, 116, 70), 4, 3, 1.5),
    Colour(17, "Yellowish Brown", (150, 104, 52), 4, 20, 1.0),
    Colour(23, "Dark Beige", (150, 126, 98), 4, 11, 1.0),
    Colour(15, "Light Yellow", (246, 232, 150), 2, 8, 1.0),
    Colour(81, "Light Turquoise", (150, 214, 210), 2, 15, 0.6),
    Colour(62, "Light Purple", (196, 170, 214), 3, 6, 0.8),
    Colour(3, "Gold", (196, 160, 72), 5, 8, 0.4),
)


class Appearance(NamedTuple):
    no: int
    name: str
    weight: float


APPEARANCES = (
    Appearance(1010016, "Solid", 50.0),
    Appearance(1010017, "Stripe", 7.0),
    Appearance(1010001, "All over pattern", 10.0),
    Appearance(1010010, "Melange", 6.0),
    Appearance(1010004, "Check", 2.0),
    Appearance(1010007, "Dot", 2.0),
    Appearance(1010014, "Placement print", 5.0),
    Appearance(1010008, "Front print", 3.0),
    Appearance(1010005, "Colour blocking", 2.0),
    Appearance(1010012, "Denim", 3.0),
    Appearance(1010019, "Lace", 1.5),
    Appearance(1010009, "Jacquard", 1.0),
    Appearance(1010011, "Metallic", 0.5),
)

# Name parts for prod_name; colour variants of one product_code share the name.
STYLE_NAMES = (
    "Luna", "Tilly", "Jade", "Perrie", "Kirk", "Ivy", "Mira", "Sven", "Nora", "Lou", "Ella",
    "Bella", "Tove", "Ozzy", "Milo", "Greta", "Ronja", "Felix", "Vera", "Hugo", "Saga", "Alva",
    "Ines", "Otto", "Juno", "Clara", "Pim", "Rio", "Nova", "Edie", "Stella", "Ava", "Leo",
    "Bonnie", "Dolly", "Frank", "Iris", "Mabel", "Nils", "Poppy", "Rosa", "Tess", "Wilma",
)  # fmt: skip
STYLE_WORDS = (
    "", "", "", "Slim", "Relaxed", "Basic", "HW", "Oversized", "Soft", "Rib", "Fancy", "Wide",
    "Cropped", "Seamless", "Padded", "Linen", "Cotton", "Super Skinny", "Loose",
)  # fmt: skip

MATERIALS = (
    "soft cotton jersey", "fine-knit fabric", "woven fabric", "airy viscose weave", "denim",
    "sweatshirt fabric", "ribbed jersey", "a linen blend", "thick cotton twill",
    "soft organic cotton", "recycled polyester", "lyocell-blend fabric", "knitted cotton",
    "slub jersey", "lace",
)  # fmt: skip
FEATURES = {
    "vest": ("narrow shoulder straps", "a racerback", "a lace trim at the top"),
    "tee": ("a round neckline and short sleeves", "a V-neck", "dropped shoulders"),
    "longsleeve": ("long sleeves and ribbed cuffs", "a collar and buttons down the front",
                   "a drawstring hood and a kangaroo pocket", "a round neckline"),
    "jacket": ("a collar and zip down the front", "notch lapels and a single-breasted fastening",
               "buttons down the front and side pockets"),
    "coat": ("notch lapels and a double-breasted fastening", "a detachable hood and welt pockets"),
    "trousers": ("a high waist and straight, wide legs", "a regular waist, zip fly and button",
                 "an elasticated drawstring waist and tapered legs", "five pockets and slim legs"),
    "leggings": ("an elasticated waist", "a wide waistband and ankle length"),
    "shorts": ("a high waist and side pockets", "an elasticated waist and raw-edge hems"),
    "skirt": ("a high waist and a flared hem", "a slit at the back", "pleats and a concealed zip"),
    "dress": ("a V-neck and short puff sleeves", "narrow shoulder straps and a flared skirt",
              "a round neckline and a tie belt at the waist"),
    "jumpsuit": ("a wrapover top and wide legs", "short sleeves and an elasticated waist"),
    "bodysuit": ("press-studs at the crotch", "an envelope-style neckline"),
    "bra": ("underwired, moulded cups", "soft triangle cups and adjustable straps"),
    "briefs": ("a low waist and lined gusset", "a medium waist and high-cut legs"),
    "socks": ("ribbed tops", "reinforced heels and toes"),
    "boots": ("a chunky sole and a zip at the side", "a rounded toe and a block heel"),
    "shoes": ("lacing at the front and a padded edge", "a rubber sole and a padded footbed"),
    "bag": ("a zip and an adjustable shoulder strap", "two handles and an inner pocket"),
    "hat": ("a fold-up brim", "a pompom on top"),
    "scarf": ("fringes at the short ends", "a woven pattern"),
}  # fmt: skip
NOUN = {
    "vest": "Vest top", "tee": "Top", "longsleeve": "Top", "jacket": "Jacket", "coat": "Coat",
    "trousers": "Trousers", "leggings": "Leggings", "shorts": "Shorts", "skirt": "Skirt",
    "dress": "Dress", "jumpsuit": "Jumpsuit", "bodysuit": "Bodysuit", "bra": "Bra",
    "briefs": "Briefs", "socks": "Socks", "boots": "Boots", "shoes": "Shoes", "bag": "Bag",
    "hat": "Hat", "scarf": "Scarf",
}  # fmt: skip
