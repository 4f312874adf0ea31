"""The long tail of the generator's name pools (`tracing_data.py`), by origin group.

`tracing_names.py` holds the common names of each group with the spellings and the native
script a caseworker and a relative really use. Real intake draws most names from such a head
and the rest from a long tail: with the head alone (13–26 names per pool) a 100,000-case
registry holds hundreds of exact namesakes of every child, far more than real registries
do. The tail comes from two places:

- Faker's name lists where they are national and large (bundled with Faker, a development
  dependency; no download): Colombian given and family names *with their real
  frequencies* (es_CO) for Central America, Ukrainian given and family names in Cyrillic
  (uk_UA, 1,562 family names), Algerian names in French transcription (fr_DZ) for the Arab
  group;
- the lists below, written from the naming conventions of each group (Guinean, Malian,
  Senegalese and Gambian; Eritrean and Ethiopian; Afghan; Vietnamese family names with
  their shares of the population).

Each pool is then weighted by a Zipf law of exponent 1 over rank (head first, in order of
commonness; es_CO and the Vietnamese family names by their measured shares), so that the
commonest name of a pool is held by roughly one child in seven, as Mohammed, Nguyen or
José are. Spellings of tail names are derived by each group's transcription habits and the
native script is written letter by letter (`native_arabic`, `native_geez`); Ukrainian
names are romanised by three systems (the national one of 2010, the Russian-style and the
French-style transcription).
"""

from __future__ import annotations

import re
import unicodedata

WEST_AFRICA_MALE = """Abdourahmane Alhassane Alseny Amara Aboubacar_Sidiki Bademba Bangaly
    Boubacar_Biro Cellou Daouda Demba Djibril Elhadj Faya Fousseny Habib Hady Ibrahima_Sory
    Issiaga Kabinet Kalil Karamoko Lancine Layes Mamady Mamadou_Saliou Mamadou_Bailo Mody
    Mohamed_Lamine Morlaye Naby Nfaly Ousmane_Sadio Oury Sadou Salifou Samba Sory Tidiane Yaya
    Youssouf Souleymane_Bah Bakary_Sidibe Sidiki Drissa Adama Seydou Souleymane_Sow Tiemoko
    Yacouba Zoumana Boubou Cheikhou Pape Babacar Assane Mbaye Ousseynou Malick Lamin Ebrima
    Momodou Alieu Omar_Sanneh Bubacarr Kebba Sainey Modou_Lamin Baboucarr Fansu Ansu Karim
    Mahmoud Sayon Siaka Mory Facinet Sekouba Amadou_Oury Thierno_Amadou Abdoul_Karim"""
WEST_AFRICA_FEMALE = """Adama Aicha Aissata Assiatou Bountouraby Coumba Dalanda Diaraye
    Djelikatou Fatoumata_Binta Fatoumata_Diaraye Fanta_Madi Hadja Hadiatou Hassanatou Houleye
    Kadiatou_Diallo Kankou Kesso Koumba Mabinty Mahawa Makale Mariama_Ciré Maimouna Nafissatou
    Nanténin Ousmane Rabiatou Safiatou_Sow Saran Sira Sounkarou Tenin Tiguidanké Yarie
    Korotoum Mariam_Kone Awa_Traore Fatim Bintou_Kone Salimata Djeneba Rokia Oumou_Sangare
    Coumba_Ndiaye Astou Khady Ndeye Sokhna Penda Yacine Adja Isatou Haddy Mariama_Jallow
    Ndey Jainaba Kaddy Fatoumatta Binta_Jallow Awa_Ceesay Mam"""
WEST_AFRICA_FAMILY = """Bangoura Soumah Sylla Camara Keita Kourouma Kaba Cherif Dioubate
    Doumbouya Fofana Kanté Konaté Konaté Diakité Diabaté Dembélé Coulibaly Sangaré Samaké
    Traoré Diarra Maïga Touré Haidara Cissé Sakho Sall Fall Faye Gueye Mbaye Ndiaye Seck Niang
    Diouf Sarr Thiam Ba Dia Ly Wane Kane Tall Sow Barry Baldé Bah Diallo Jallow Ceesay Sanneh
    Jammeh Bojang Touray Darboe Jobe Njie Manneh Fatty Colley Sonko Jatta Kinteh Sillah Bangura
    Kamara Conteh Sesay Turay Koroma Kargbo Mansaray Kallon Jalloh Bah Tounkara Sacko Magassouba
    Condé Tolno Loua Haba Guilavogui Millimono Kolié Sagno Tounkara Magassouba Kouyaté"""
HORN_MALE = """Abel Adonay Alem Aman Araya Aregawi Asmerom Awet Biniam Bereket Berhane Daniel
    Efrem Elias Ermias Estifanos Fesehaye Fitsum Fikru Gebrehiwet Gebremariam Gebremeskel
    Ghirmay Girmay Goitom Habtom Hagos Henok Isaias Kahsay Kesete Kifle Mebrahtu Medhanie
    Mengisteab Mesfin Mewael Mussie Negasi Nahom Okbay Samuel Sirak Solomon Teklehaimanot
    Tekie Temesgen Tewelde Tesfamariam Tesfalem Tsegezab Weldemichael Yared Yosief Zerai
    Zeremariam Zekarias Biniyam Mihretab Aklilu Haben Mehretab Abraham_Tesfay Amanuel_Tekle
    Filmon_Haile Tedros Teodros Yonatan Nebiyu Eyasu Kaleab Dawit_Tesfaye Ashenafi Getachew
    Tadesse Tesfu Gebru Hailu Alemayehu Ephrem Misgana Robel_Mekonnen Mekonnen Wondimu
    Abrham Dagim Natnael_Girma Girma Bisrat Eskinder Berihu Hadush Kidus Yemane_Gebre Efrem"""
HORN_FEMALE = """Abrehet Adiam Akberet Azieb Bisrat Eden Elen Feruz Hanna Luwam Milena Merhawit
    Nardos Nebiat Rahwa Selamawit Semhar Simret Tirhas Yohana Yodit Zewdi Mekdes Meseret
    Letemariam Mhret Ksanet Delina Bethlehem Danait Arsema Segen Tsigereda Tigist Hirut
    Almaz_Tesfay Abeba Birtukan Genet Hiwot_Haile Kidist Liya Meaza Mahlet Selam_Habte Senayit
    Sosina Tsion Wubit Yeshi Ruth Helina Aster Abrihet Fana Saba_Tekle Zebib Fiyori Lidia
    Mehret Winta_Berhe Hermela Rediet Eleni Freselam Adhanet Tsehay Mebrat_Kidane Yordanos"""
AFGHAN_MALE = """Abdul_Ahad Abdul_Basir Abdul_Ghafoor Abdul_Hadi Abdul_Hakim Abdul_Jabbar
    Abdul_Khaliq Abdul_Latif Abdul_Malik Abdul_Manan Abdul_Qadir Abdul_Rauf Abdul_Razaq
    Abdul_Saboor Abdul_Samad Abdul_Wahab Abdullah Ahmad_Shah Ahmad_Zia Ajmal Akbar Amanullah
    Aminullah Asadullah Ashraf Atiqullah Aziz Bashir Baryalai Daud Ehsan Ezatullah Faizullah
    Fawad Ghulam_Haidar Gul_Ahmad Haji Haroon Hayatullah Hedayatullah Hikmatullah Homayoun
    Ibrahim Ihsanullah Imran Inayatullah Ismail Jamshid Javid Khalid Khan_Mohammad Lutfullah
    Mahmood Masood Matiullah Mirwais Mohammad_Nabi Mohibullah Mujib Murtaza Najibullah Nasir
    Nawid Nematullah Obaidullah Qadir Qasim Rafiullah Rahim Rahmanullah Rohullah Safiullah
    Said_Ahmad Sayed_Jan Shafiullah Shah_Mahmood Shahid Shakib Sharif Shoaib Sohail Taj_Mohammad
    Wahidullah Yama Yousuf Zabihullah_Khan Zalmai Zaker Zia Ziaullah Esmatullah Hamidullah
    Jawed Qudratullah Sadiq Sajjad Samir Tamim Waheedullah Walid Yaqub Yasin Zubair"""
AFGHAN_FEMALE = """Arezo Asma Azita Bibi_Gul Farzana Fariba Frozan Gulalai Gulnaz Habiba Hadia
    Hamida Hasina Homa Husna Jamila Khatera Lailuma Latifa Mahbooba Mahnaz Marzia Masooda
    Mina Mariam_Gul Nadia Nafisa Nasrin Nazanin Nazia Nooria Parisa Rabia Rahima Rukhsar
    Sabira Sadia Sahar Saima Sakina Salma Samira Sana Shabana Shakila Shazia Shirin Soraya
    Tahmina Tamana Wajiha Yalda Zahira Zainab Zarghuna Zarmina Zohra Zuhal Bahara Freshta
    Gulalai_Noori Hosai Kobra Madina Mahtab Malika Mursal_Ahmadi Najiba Nargis_Gul Palwasha"""
AFGHAN_FAMILY = """Achakzai Afghan Afzali Ahmadi Akbari Alizai Amini Andar Arsala Atayee Azimi
    Azizi Barakzai Durrani Faizi Farahi Ghafoori Ghani Habibi Haidari Hamidi Haqqani Hussaini
    Jalali Jamali Kakar Karzai Khan Kohistani Mangal Mohammadi Mohmand Momand Mujadidi Naseri
    Nazari Niazi Noorzai Omari Panjshiri Qaderi Qarizada Qurbani Rahmani Rasuli Rezai Sahak
    Samadi Sarwari Shinwari Sultanzai Tajik Tokhi Wardak Yousufzai Zadran Zazai Zirak Zaheer
    Alokozai Ishaqzai Kharoti Safi Sherzad Mansoori Nuristani Baheer Hashimi Barekzai"""
VIETNAM_MALE = """Anh Bao Chien Cong Dai Dat Dinh Dong Duy Giang Hao Hau Hien Hoang Hoai Huy
    Khang Khoa Khoi Kien Lam Loc Luan Manh Nghia Nhan Nhat Phat Phong Phu Quan Quoc Quy Sang
    Tai Tam Tan Thang Thien Thinh Tho Tien Toan Trong Trung Tu Tung Vinh Vu Vuong Bach Canh
    Cuong Duc_Anh Gia_Bao Hieu Hoang_Nam Minh_Khoi Minh_Quan Nhat_Minh Phuc_An Quoc_Bao Tri"""
VIETNAM_FEMALE = """Chau Chi Dao Diem Diep Dung Giang Ha Hang Hau Hien Hoai Hong Hue Khanh Kieu
    Lien Loan Ly My Nga Ngan Nguyet Nhi Nhu Oanh Quynh Suong Tam Thanh Thoa Thu Thuy Tien Trinh
    Tuyet Uyen Van Vy Xuan Yen Bao_Ngoc Gia_Han Khanh_Linh Minh_Anh Ngoc_Anh Phuong_Linh
    Thao_Vy Thu_Trang Tram Truc Tu_Anh Kim Hanh_Nguyen"""
# Shares of the population (per cent): the usual figures for Vietnam.
VIETNAM_FAMILY_SHARES = """Nguyễn:38 Trần:11 Lê:9.5 Phạm:7.1 Hoàng/Huỳnh:5.1 Phan:4.5 Vũ/Võ:3.9
    Đặng:2.1 Bùi:2 Đỗ:1.4 Hồ:1.3 Ngô:1.3 Dương:1 Lý:0.5 Đinh:0.4 Đoàn:0.4 Trương:0.4
    Lâm:0.3 Mai:0.3 Trịnh:0.3 Đào:0.3 Cao:0.3 Lương:0.3 Tạ:0.2 Hà:0.2 Tô:0.2 Châu:0.2
    Vương:0.2 Thái:0.2 Quách:0.1 Kiều:0.1 Lưu:0.1 Tăng:0.1 La:0.1 Triệu:0.1 Phùng:0.1"""

# Transcription habits by group: (pattern, replacement) pairs, each giving one variant.
HABITS = {
    "West Africa": [
        ("ou", "u"), ("dj", "j"), ("ch", "sh"), ("é", "e"), ("y", "i"), ("ll", "l"),
        ("kh", "k"), ("ss", "s"), ("c", "k"),
    ],
    "Horn of Africa": [
        ("ie", "i"), ("e", "a"), ("ts", "s"), ("w", "u"), ("y", "i"), ("ph", "f"), ("k", "q"),
        ("gh", "g"),
    ],
    "Afghanistan": [
        ("oo", "u"), ("ee", "i"), ("w", "v"), ("q", "k"), ("ullah", "ulla"), ("z", "s"),
        ("o", "u"), ("i$", "y"),
    ],
    "Syria/Arab": [
        ("ou", "u"), ("ch", "sh"), ("dj", "j"), ("e", "a"), ("k", "q"), ("i", "ee"),
        ("ss", "s"), ("abde", "abdu"),
    ],
    "Central America": [("z", "s"), ("ll", "y"), ("v", "b"), ("h", "")],
}  # fmt: skip


def habit_variants(name: str, group: str) -> list[str]:
    """The name as other caseworkers would write it: one habit applied at a time."""
    out = [name]
    for old, new in HABITS.get(group, []):
        lowered = name.lower()
        if old.endswith("$"):
            if lowered.endswith(old[:-1]):
                variant = name[: len(name) - len(old) + 1] + new
            else:
                continue
        elif old in lowered:
            start = lowered.index(old)
            variant = name[:start] + new + name[start + len(old) :]
            if start == 0:
                variant = variant[:1].upper() + variant[1:]
        else:
            continue
        if variant and variant not in out:
            out.append(variant)
    return out[:4]


# --- native scripts -------------------------------------------------------------------

ARABIC_DIGRAPHS = {
    "sh": "ش", "ch": "ش", "kh": "خ", "gh": "غ", "th": "ث", "dh": "ذ", "ou": "و", "oo": "و",
    "ee": "ي", "aa": "ا", "ai": "ي", "ay": "ي",
}  # fmt: skip
ARABIC_LETTERS = {
    "b": "ب", "t": "ت", "j": "ج", "h": "ح", "d": "د", "r": "ر", "z": "ز", "s": "س", "f": "ف",
    "q": "ق", "k": "ك", "l": "ل", "m": "م", "n": "ن", "w": "و", "y": "ي", "v": "و", "p": "پ",
    "g": "غ", "c": "ك", "x": "كس", "i": "ي", "u": "و", "o": "و",
}  # fmt: skip


def _strip(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def native_arabic(latin: str, persian: bool = False) -> str:
    """A Latin name written in Arabic script as a relative would: consonants and long
    vowels, short vowels (a, e) unwritten except at the start of a word."""
    words: list[str] = []
    article = False
    for word in _strip(latin).lower().replace("-", " ").split():
        out = ["ال"] if article else []
        article = word in {"abdul", "abdel", "abdal", "abdoul", "abd"}
        if article:
            words.append("عبد")
            continue
        if word.startswith(("abdul", "abdel", "abdal")) and len(word) > 5:
            out.append("عبد ال")
            word = word[5:]
        elif word.startswith("abd") and len(word) > 3:
            out.append("عبد")
            word = word[3:]
        if word.endswith(("ullah", "ollah", "allah")):
            tail = " الله"
            word = word[:-5]
        else:
            tail = ""
        i = 0
        while i < len(word):
            pair = word[i : i + 2]
            if pair in ARABIC_DIGRAPHS:
                out.append(ARABIC_DIGRAPHS[pair])
                i += 2
                continue
            ch = word[i]
            if ch in "ae":
                if i == 0:
                    out.append("ا")
                elif i == len(word) - 1:
                    out.append("ه" if persian else "ا")
            elif i > 0 and ch == word[i - 1]:
                pass  # a doubled letter is written once
            elif ch in ARABIC_LETTERS:
                out.append(
                    "ا" + ARABIC_LETTERS[ch] if i == 0 and ch in "iuo" else ARABIC_LETTERS[ch]
                )
            i += 1
        text = "".join(out) + tail
        if persian:
            text = text.replace("ي", "ی").replace("ك", "ک")
        words.append(text)
    return " ".join(words)


# Ge'ez: the first syllable of each consonant's row; the row holds the seven vowel orders
# ä u i a e (none) o in that order.
GEEZ_ROWS = {
    "h": 0x1200, "l": 0x1208, "m": 0x1218, "r": 0x1228, "s": 0x1230, "sh": 0x1238,
    "q": 0x1240, "b": 0x1260, "v": 0x1268, "t": 0x1270, "ch": 0x1278, "n": 0x1290,
    "ny": 0x1298, "": 0x12A0, "k": 0x12A8, "kh": 0x12B8, "w": 0x12C8, "z": 0x12D8,
    "zh": 0x12E0, "y": 0x12E8, "d": 0x12F0, "j": 0x1300, "g": 0x1308, "ts": 0x1338,
    "f": 0x1348, "p": 0x1350, "c": 0x12A8, "x": 0x12A8,
}  # fmt: skip
GEEZ_VOWELS = {"e": 0, "u": 1, "i": 2, "a": 3, "ie": 4, "é": 4, "": 5, "o": 6}


def native_geez(latin: str) -> str:
    """A Latin Tigrinya or Amharic name written in Ge'ez syllables."""
    words = []
    for word in latin.lower().replace("-", " ").split():
        out, i = [], 0
        while i < len(word):
            consonant = ""
            for size in (2, 1):
                piece = word[i : i + size]
                if piece in GEEZ_ROWS and piece not in GEEZ_VOWELS and piece.isalpha():
                    consonant = piece
                    i += size
                    break
            vowel = ""
            for size in (2, 1):
                piece = word[i : i + size]
                if piece in GEEZ_VOWELS and piece:
                    vowel = piece
                    i += size
                    break
            if not consonant and not vowel:
                i += 1
                continue
            if consonant and out and out[-1] == consonant and not vowel:
                continue
            out.append(chr(GEEZ_ROWS.get(consonant, 0x12A0) + GEEZ_VOWELS[vowel]))
        words.append("".join(out))
    return " ".join(words)


# Ukrainian Cyrillic in three romanisations: the national system (2010), the Russian-style
# spelling of many older documents, and French transcription.
UK_NATIONAL = dict(
    zip(
        "абвгґдеєжзиіїйклмнопрстуфхцчшщьюяʼ'",
        [
            "a",
            "b",
            "v",
            "h",
            "g",
            "d",
            "e",
            "ie",
            "zh",
            "z",
            "y",
            "i",
            "i",
            "i",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "_",
            "iu",
            "ia",
            "_",
            "_",
        ],
        strict=True,
    )
)
UK_RUSSIAN = {**UK_NATIONAL, "г": "g", "и": "i", "і": "i", "й": "y", "є": "ye", "ю": "yu",
              "я": "ya", "х": "kh", "ї": "yi"}  # fmt: skip
UK_FRENCH = {**UK_NATIONAL, "ш": "ch", "ч": "tch", "ж": "j", "у": "ou", "х": "kh", "и": "y",
             "щ": "chtch", "ю": "iou", "в": "v", "й": "ï"}  # fmt: skip


def romanise_ukrainian(cyrillic: str) -> list[str]:
    """The Latin spellings of a Ukrainian name, the national system first."""
    out = []
    for table in (UK_NATIONAL, UK_RUSSIAN, UK_FRENCH):
        text = "".join(table.get(ch.lower(), ch.lower()) for ch in cyrillic).replace("_", "")
        text = re.sub(r"\s+", " ", text).strip().title()
        if text and text not in out:
            out.append(text)
    return out
