"""Blind variants of notebook 02, written from the released notebook alone."""
# ruff: noqa: F821, B905, E731
# (As written by the blind helper: variants use the notebook's own names, zip() and lambdas freely.
# Only the decorators of three variants were changed, where the text now decides; their labels say so.)
from __future__ import annotations

import re
from collections import Counter

from autograder.mutation import alternative, mutant

# =============================================================================================
# Exercise 1: tokenize
# =============================================================================================


@mutant("no joining: \\w+ runs only, so isn't / hot-air are split")
def tokenize(text):
    # "a single apostrophe ' or hyphen - between two word characters joins the runs on both sides"
    return re.findall(r"\w+|[^\w\s]", text.lower())


@mutant("runs of apostrophes/hyphens join too (['-]+): 'a--b' is one token")
def tokenize(text):
    # "a single apostrophe ' or hyphen - between two word characters joins" ... '"--" -> "-", "-"'
    return re.findall(r"\w+(?:['-]+\w+)*|[^\w\s]", text.lower())


@mutant("ASCII word characters [A-Za-z0-9_] instead of \\w: 'café' is split at the é")
def tokenize(text):
    # "A word character is whatever Python's regular expression \w matches: a letter of any alphabet ("é" too)"
    return re.findall(r"[A-Za-z0-9_]+(?:['-][A-Za-z0-9_]+)*|[^A-Za-z0-9_\s]", text.lower())


@mutant("str.casefold() instead of str.lower(): 'straße' becomes 'strasse'")
def tokenize(text):
    # "1. Lowercase the text with str.lower()."
    return re.findall(r"\w+(?:['-]\w+)*|[^\w\s]", text.casefold())


@mutant("tokenizes first, lowercases each token afterwards ('İ' lowercases to two code points)")
def tokenize(text):
    # "1. Lowercase the text with str.lower()." (step 1, before finding the tokens)
    return [t.lower() for t in re.findall(r"\w+(?:['-]\w+)*|[^\w\s]", text)]


@mutant("a leading hyphen or apostrophe sticks to the word: '-ish' stays one token")
def tokenize(text):
    # "an apostrophe or hyphen at the edge of a word ("birds'", "'quoted'", "-ish") is a token of its own"
    return re.findall(r"['-]?\w+(?:['-]\w+)*|[^\w\s]", text.lower())


@mutant("the typographic apostrophe ’ joins words like '")
def tokenize(text):
    # "a single apostrophe ' or hyphen -" (the ASCII characters only); "Every other character ... is a token of its own"
    return re.findall(r"\w+(?:['’-]\w+)*|[^\w\s]", text.lower())


@mutant("returns a tuple of tokens")
def tokenize(text):
    # "returns a list of str tokens in reading order"
    return tuple(re.findall(r"\w+(?:['-]\w+)*|[^\w\s]", text.lower()))


@mutant("splits on spaces only: other whitespace characters (no-break space, em space) become tokens")
def tokenize(text):
    # "4. Whitespace (spaces, tabs, newlines) separates tokens and is never part of one."
    return re.findall(r"\w+(?:['-]\w+)*|[^\w \t\n\r]", text.lower())


@alternative("character loop with a small state machine (str.isalnum() or '_' as the word test)")
def tokenize(text):
    # "One regular expression with re.findall does it; a loop over the characters works too."
    s = text.lower()
    isw = lambda ch: ch.isalnum() or ch == "_"
    out = []
    i, n = 0, len(s)
    while i < n:
        ch = s[i]
        if ch.isspace():
            i += 1
        elif isw(ch):
            j = i + 1
            while j < n:
                if isw(s[j]):
                    j += 1
                elif s[j] in "'-" and j + 1 < n and isw(s[j + 1]):
                    j += 2
                else:
                    break
            out.append(s[i:j])
            i = j
        else:
            out.append(ch)
            i += 1
    return out


@alternative("one regex with look-arounds: (?:\\w|(?<=\\w)['-](?=\\w))+ and re.finditer")
def tokenize(text):
    # "a single apostrophe ' or hyphen - between two word characters joins the runs on both sides"
    pattern = re.compile(r"(?:\w|(?<=\w)['\-](?=\w))+|[^\w\s]")
    return [m.group(0) for m in pattern.finditer(text.lower())]


@alternative("whitespace split first (str.split), then a regex per chunk")
def tokenize(text):
    # "4. Whitespace (spaces, tabs, newlines) separates tokens and is never part of one."
    out = []
    for chunk in text.lower().split():
        out.extend(re.findall(r"\w+(?:['-]\w+)*|\W", chunk))
    return out


@alternative("re.split on the word pattern with a capture group; non-space characters of the gaps become tokens")
def tokenize(text):
    # "returns a list of str tokens in reading order ([] for an empty or blank text)"
    parts = re.split(r"(\w+(?:['-]\w+)*)", text.lower())
    out = []
    for k, part in enumerate(parts):
        if k % 2:
            out.append(part)
        else:
            out.extend(ch for ch in part if not ch.isspace())
    return out


# =============================================================================================
# Exercise 2: is_consonant, measure, contains_vowel, ends_double_consonant, ends_cvc
# =============================================================================================


@mutant("y is always a consonant")
def is_consonant(word, i):
    # "y is a consonant when it is the first letter or follows a vowel, and a vowel when it follows a consonant"
    return word[i] not in "aeiou"


@mutant("y is a vowel unless it is the first letter (ignores 'follows a vowel')")
def is_consonant(word, i):
    # "y is a consonant when it is the first letter or follows a vowel"
    if word[i] in "aeiou":
        return False
    if word[i] == "y":
        return i == 0
    return True


@mutant("non-recursive y rule: the previous letter is a vowel only if it is one of a, e, i, o, u")
def is_consonant(word, i):
    # "y ... a vowel when it follows a consonant" -- and a previous y may itself be a vowel ("syzygy")
    if word[i] in "aeiou":
        return False
    if word[i] == "y":
        return i == 0 or word[i - 1] in "aeiou"
    return True


@alternative("iterative left-to-right scan that classifies every letter up to i")
def is_consonant(word, i):
    # "y is a consonant when it is the first letter or follows a vowel, and a vowel when it follows a consonant"
    prev_cons = True
    cons = True
    for k in range(i + 1):
        ch = word[k]
        if ch in "aeiou":
            cons = False
        elif ch == "y":
            cons = k == 0 or not prev_cons
        else:
            cons = True
        prev_cons = cons
    return cons


@alternative("parity of the run of y's that ends at i, after a consonant or vowel")
def is_consonant(word, i):
    # "in "syzygy" the consonants are s, z and g" -- a y alternates with what precedes it
    ch = word[i]
    if ch in "aeiou":
        return False
    if ch != "y":
        return True
    j = i
    while j > 0 and word[j - 1] == "y":
        j -= 1
    # word[j] is the first y of the run; it is a consonant when it starts the word or follows a vowel
    first_cons = j == 0 or word[j - 1] in "aeiou"
    return first_cons if (i - j) % 2 == 0 else not first_cons


@mutant("counts vowel runs (a final vowel run counts too)")
def measure(stem):
    # "m is its measure: the number of times a vowel run is followed by a consonant run"
    form = "".join("c" if is_consonant(stem, i) else "v" for i in range(len(stem)))
    return len(re.findall("v+", form))


@mutant("plain a, e, i, o, u vowels: the y rule is ignored")
def measure(stem):
    # "Use is_consonant in the other four: the letter y is where hand-made shortcuts go wrong."
    form = "".join("v" if ch in "aeiou" else "c" for ch in stem)
    return form.count("vc")


@mutant("counts consonant-to-vowel transitions instead of vowel-to-consonant")
def measure(stem):
    # "the number of times a vowel run is followed by a consonant run"
    form = "".join("c" if is_consonant(stem, i) else "v" for i in range(len(stem)))
    return form.count("cv")


@mutant("counts consonant runs minus one (wrong for words starting with a vowel)")
def measure(stem):
    # "Every word then has the form [C](VC)^m[V]"
    form = "".join("c" if is_consonant(stem, i) else "v" for i in range(len(stem)))
    return max(0, len(re.findall("c+", form)) - 1)


@alternative("regex on the collapsed C/V pattern: len(re.findall('VC', collapsed))")
def measure(stem):
    # "collapse runs: CVCV. Every word then has the form [C](VC)^m[V]"
    form = "".join("C" if is_consonant(stem, i) else "V" for i in range(len(stem)))
    collapsed = re.sub(r"(.)\1+", r"\1", form)
    return len(re.findall("VC", collapsed))


@alternative("explicit scan: skip consonants, then count vowel-run/consonant-run pairs; classifies letters locally")
def measure(stem):
    # "m ... the number of times a vowel run is followed by a consonant run" (0 for the empty stem)
    def cons(k):
        if stem[k] in "aeiou":
            return False
        if stem[k] == "y":
            return k == 0 or not cons(k - 1)
        return True

    n, i, m = len(stem), 0, 0
    while i < n and cons(i):
        i += 1
    while i < n:
        while i < n and not cons(i):
            i += 1
        if i >= n:
            break
        while i < n and cons(i):
            i += 1
        m += 1
    return m


@mutant("plain a, e, i, o, u test: 'sky' has no vowel")
def contains_vowel(stem):
    # "*v* -- the stem contains a vowel (remember that y can be one)"
    return any(ch in "aeiou" for ch in stem)


@mutant("any y counts as a vowel: 'y' alone contains a vowel")
def contains_vowel(stem):
    # "y is a consonant when it is the first letter"
    return any(ch in "aeiouy" for ch in stem)


@mutant("only looks at the letters before the last one")
def contains_vowel(stem):
    # "*v* -- the stem contains a vowel" (any letter of the stem)
    return any(not is_consonant(stem, i) for i in range(len(stem) - 1))


@alternative("not all(is_consonant(...)) over the stem")
def contains_vowel(stem):
    # "*v* -- the stem contains a vowel (remember that y can be one)"
    return not all(is_consonant(stem, i) for i in range(len(stem)))


@alternative("shortcut: a, e, i, o, u anywhere, or a y that is not the first letter and follows a consonant (self-contained)")
def contains_vowel(stem):
    # "y ... a vowel when it follows a consonant" -- a y after a vowel is a consonant, so aeiou already answered
    if any(ch in "aeiou" for ch in stem):
        return True
    return any(ch == "y" and k > 0 for k, ch in enumerate(stem))


@mutant("forgets the consonant test: 'ee' ends double")
def ends_double_consonant(stem):
    # "*d -- the stem ends with a double consonant: the same consonant twice"
    return len(stem) >= 2 and stem[-1] == stem[-2]


@mutant("consonant test with plain vowels: 'yy' counts as double consonant")
def ends_double_consonant(stem):
    # "(in "yy" the second y is a vowel)" -- use is_consonant
    return len(stem) >= 2 and stem[-1] == stem[-2] and stem[-1] not in "aeiou"


@mutant("checks that the second-to-last letter is a consonant, not the last")
def ends_double_consonant(stem):
    # "*d -- the stem ends with a double consonant: the same consonant twice"
    return len(stem) >= 2 and stem[-1] == stem[-2] and is_consonant(stem, len(stem) - 2)


@mutant("blind alternative, wrong once the text states that *d tests the last letter only (yyy, byy): "
        "both letters tested with is_consonant, via slicing")
def ends_double_consonant(stem):
    # "*d -- the stem ends with a double consonant: the same consonant twice ("-tt", "-ss")"
    if len(stem) < 2:
        return False
    a, b = stem[-2:]
    return a == b and is_consonant(stem, len(stem) - 2) and is_consonant(stem, len(stem) - 1)


@alternative("regex for a doubled letter at the end, then the consonant test on the last letter")
def ends_double_consonant(stem):
    # "*d -- the stem ends with a double consonant"
    return bool(re.search(r"(.)\1$", stem)) and is_consonant(stem, len(stem) - 1)


@mutant("no w, x, y exclusion")
def ends_cvc(stem):
    # "the last consonant is not w, x or y"
    n = len(stem)
    return n >= 3 and is_consonant(stem, n - 3) and not is_consonant(stem, n - 2) and is_consonant(stem, n - 1)


@mutant("plain a, e, i, o, u vowels (a y after a consonant is not taken as the vowel)")
def ends_cvc(stem):
    # "Use is_consonant in the other four: the letter y is where hand-made shortcuts go wrong."
    return (len(stem) >= 3 and stem[-3] not in "aeiou" and stem[-2] in "aeiou" and stem[-1] not in "aeiou"
            and stem[-1] not in "wxy")


@mutant("NLTK extension: a two-letter vowel-consonant stem also counts")
def ends_cvc(stem):
    # "Stems shorter than 3 letters never do."
    n = len(stem)
    if n == 2:
        return not is_consonant(stem, 0) and is_consonant(stem, 1) and stem[-1] not in "wxy"
    return (n >= 3 and is_consonant(stem, n - 3) and not is_consonant(stem, n - 2)
            and is_consonant(stem, n - 1) and stem[-1] not in "wxy")


@mutant("classifies the last three letters out of context: is_consonant(stem[-3:], ...)")
def ends_cvc(stem):
    # "y is a consonant when it is the first letter or follows a vowel" -- in the whole stem, not in its last 3 letters
    if len(stem) < 3:
        return False
    t = stem[-3:]
    return is_consonant(t, 0) and not is_consonant(t, 1) and is_consonant(t, 2) and t[2] not in "wxy"


@alternative("the c/v pattern of the whole stem, compared with endswith('cvc')")
def ends_cvc(stem):
    # "*o -- the stem ends consonant-vowel-consonant, where the last consonant is not w, x or y"
    form = "".join("c" if is_consonant(stem, i) else "v" for i in range(len(stem)))
    return form.endswith("cvc") and stem[-1:] not in ("w", "x", "y")


@alternative("the three consonant tests compared as a list [True, False, True]")
def ends_cvc(stem):
    # "Stems shorter than 3 letters never do."
    if len(stem) < 3 or stem[-1] in "wxy":
        return False
    n = len(stem)
    return [is_consonant(stem, n + k) for k in (-3, -2, -1)] == [True, False, True]


# =============================================================================================
# Exercise 3: step1a, step1b, step1c
# =============================================================================================


@mutant("shortest suffix first: 'caress' loses its s")
def step1a(word):
    # "find the longest suffix of the step's list that the word ends with"
    for suf, rep in (("s", ""), ("ss", "ss"), ("ies", "i"), ("sses", "ss")):
        if word.endswith(suf):
            return word[: len(word) - len(suf)] + rep
    return word


@mutant("IES -> Y (lemmatiser habit) instead of IES -> I")
def step1a(word):
    # "IES -> I | ponies -> poni, ties -> ti"
    for suf, rep in (("sses", "ss"), ("ies", "y"), ("ss", "ss"), ("s", "")):
        if word.endswith(suf):
            return word[: len(word) - len(suf)] + rep
    return word


@mutant("Porter2's s rule: the s goes only if a vowel comes before the letter preceding it ('gas' stays)")
def step1a(word):
    # "Step 1a (no conditions) ... S -> | cats -> cat"
    for suf, rep in (("sses", "ss"), ("ies", "i"), ("ss", "ss")):
        if word.endswith(suf):
            return word[: len(word) - len(suf)] + rep
    if word.endswith("s") and any(ch in "aeiouy" for ch in word[:-2]):
        return word[:-1]
    return word


@mutant("Porter2's 'us' exception: words ending in 'us' keep their s ('bus' -> 'bus')")
def step1a(word):
    # "Step 1a (no conditions)": SSES, IES, SS, S only
    for suf, rep in (("sses", "ss"), ("ies", "i"), ("ss", "ss"), ("us", "us"), ("s", "")):
        if word.endswith(suf):
            return word[: len(word) - len(suf)] + rep
    return word


@alternative("str.removesuffix with an if/elif chain")
def step1a(word):
    # "Step 1a (no conditions): SSES -> SS, IES -> I, SS -> SS, S ->"
    if word.endswith("sses"):
        return word.removesuffix("es")
    if word.endswith("ies"):
        return word.removesuffix("es")
    if word.endswith("ss"):
        return word
    if word.endswith("s"):
        return word.removesuffix("s")
    return word


@alternative("regex substitution with the longest alternative first")
def step1a(word):
    # "find the longest suffix of the step's list that the word ends with"
    return re.sub(r"(sses|ies|ss|s)$", lambda m: {"sses": "ss", "ies": "i", "ss": "ss", "s": ""}[m.group(1)], word)


@mutant("EED falls through to the ED rule when m = 0 ('feed' -> 'fe')")
def step1b(word):
    # "A word ending in "eed" is handled by the first rule only"
    if word.endswith("eed") and measure(word[:-3]) > 0:
        return word[:-1]
    for suf in ("ed", "ing"):
        if word.endswith(suf):
            stem = word[: -len(suf)]
            if contains_vowel(stem):
                break
            return word
    else:
        return word
    if stem.endswith(("at", "bl", "iz")):
        return stem + "e"
    if ends_double_consonant(stem) and stem[-1] not in "lsz":
        return stem[:-1]
    if ends_double_consonant(stem):
        return stem
    if measure(stem) == 1 and ends_cvc(stem):
        return stem + "e"
    return stem


@mutant("clean-up undoubles l, s and z too ('falling' -> 'fal')")
def step1b(word):
    # "(*d and not (*L or *S or *Z)) -> single letter ... fall(ing) -> fall, hiss(ing) -> hiss, fizz(ed) -> fizz"
    if word.endswith("eed"):
        return word[:-1] if measure(word[:-3]) > 0 else word
    for suf in ("ed", "ing"):
        if word.endswith(suf):
            stem = word[: -len(suf)]
            if not contains_vowel(stem):
                return word
            break
    else:
        return word
    if stem.endswith(("at", "bl", "iz")):
        return stem + "e"
    if ends_double_consonant(stem):
        return stem[:-1]
    if measure(stem) == 1 and ends_cvc(stem):
        return stem + "e"
    return stem


@mutant("*v* tested on the whole word instead of the stem ('sing' -> 's')")
def step1b(word):
    # "Conditions like (m>0) are measured on the stem, never on the whole word."
    if word.endswith("eed"):
        return word[:-1] if measure(word[:-3]) > 0 else word
    for suf in ("ed", "ing"):
        if word.endswith(suf):
            stem = word[: -len(suf)]
            if not contains_vowel(word):
                return word
            break
    else:
        return word
    if stem.endswith(("at", "bl", "iz")):
        return stem + "e"
    if ends_double_consonant(stem):
        return stem if stem[-1] in "lsz" else stem[:-1]
    if measure(stem) == 1 and ends_cvc(stem):
        return stem + "e"
    return stem


@mutant("(m>0) instead of (*v*) for ED and ING ('seeing' stays)")
def step1b(word):
    # "(*v*) ED -> ; (*v*) ING ->"
    if word.endswith("eed"):
        return word[:-1] if measure(word[:-3]) > 0 else word
    for suf in ("ed", "ing"):
        if word.endswith(suf):
            stem = word[: -len(suf)]
            if measure(stem) == 0:
                return word
            break
    else:
        return word
    if stem.endswith(("at", "bl", "iz")):
        return stem + "e"
    if ends_double_consonant(stem):
        return stem if stem[-1] in "lsz" else stem[:-1]
    if measure(stem) == 1 and ends_cvc(stem):
        return stem + "e"
    return stem


@mutant("(m>=1 and *o) -> E instead of (m=1 and *o)")
def step1b(word):
    # "(m=1 and *o) -> E | fil(ing) -> file; fail(ing) -> fail"
    if word.endswith("eed"):
        return word[:-1] if measure(word[:-3]) > 0 else word
    for suf in ("ed", "ing"):
        if word.endswith(suf):
            stem = word[: -len(suf)]
            if not contains_vowel(stem):
                return word
            break
    else:
        return word
    if stem.endswith(("at", "bl", "iz")):
        return stem + "e"
    if ends_double_consonant(stem):
        return stem if stem[-1] in "lsz" else stem[:-1]
    if measure(stem) >= 1 and ends_cvc(stem):
        return stem + "e"
    return stem


@mutant("*d tested as 'same letter twice' without the consonant test ('agreeing' -> 'agre')")
def step1b(word):
    # "(*d and not (*L or *S or *Z)) -> single letter" -- *d is a double CONSONANT
    if word.endswith("eed"):
        return word[:-1] if measure(word[:-3]) > 0 else word
    for suf in ("ed", "ing"):
        if word.endswith(suf):
            stem = word[: -len(suf)]
            if not contains_vowel(stem):
                return word
            break
    else:
        return word
    if stem.endswith(("at", "bl", "iz")):
        return stem + "e"
    if len(stem) >= 2 and stem[-1] == stem[-2]:
        return stem if stem[-1] in "lsz" else stem[:-1]
    if measure(stem) == 1 and ends_cvc(stem):
        return stem + "e"
    return stem


@mutant("EED's condition measured on the whole word ('feed' -> 'fee')")
def step1b(word):
    # "Conditions like (m>0) are measured on the stem, never on the whole word."
    if word.endswith("eed"):
        return word[:-1] if measure(word) > 0 else word
    for suf in ("ed", "ing"):
        if word.endswith(suf):
            stem = word[: -len(suf)]
            if not contains_vowel(stem):
                return word
            break
    else:
        return word
    if stem.endswith(("at", "bl", "iz")):
        return stem + "e"
    if ends_double_consonant(stem):
        return stem if stem[-1] in "lsz" else stem[:-1]
    if measure(stem) == 1 and ends_cvc(stem):
        return stem + "e"
    return stem


@alternative("table of (suffix, replacement, condition) tried longest first, clean-up in a helper")
def step1b(word):
    # "Within a step, find the longest suffix ... If its condition holds on the stem, apply the rule; if not, the step leaves the word alone"
    def cleanup(stem):
        for end in ("at", "bl", "iz"):
            if stem.endswith(end):
                return stem + "e"
        if ends_double_consonant(stem):
            return stem if stem.endswith(("l", "s", "z")) else stem[:-1]
        if measure(stem) == 1 and ends_cvc(stem):
            return stem + "e"
        return stem

    rules = [("eed", "ee", lambda s: measure(s) > 0, False), ("ing", "", contains_vowel, True),
             ("ed", "", contains_vowel, True)]
    for suf, rep, cond, clean in sorted(rules, key=lambda r: -len(r[0])):
        if word.endswith(suf):
            stem = word[: len(word) - len(suf)]
            if not cond(stem):
                return word
            return cleanup(stem) if clean else stem + rep
    return word


@alternative("regex match of the suffix, self-contained y-aware helpers (no calls to the notebook's helpers)")
def step1b(word):
    # "(m>0) EED -> EE; (*v*) ED -> ; (*v*) ING -> ; clean-up only when the ED or ING rule removed its suffix"
    def cons(w, i):
        if w[i] in "aeiou":
            return False
        if w[i] == "y":
            return i == 0 or not cons(w, i - 1)
        return True

    def form(w):
        return "".join("c" if cons(w, i) else "v" for i in range(len(w)))

    def m(w):
        return form(w).count("vc")

    mt = re.match(r"^(.*?)(eed|ed|ing)$", word)
    if not mt:
        return word
    stem, suf = mt.group(1), mt.group(2)
    if suf == "eed":
        return stem + "ee" if m(stem) > 0 else word
    if "v" not in form(stem):
        return word
    if stem[-2:] in ("at", "bl", "iz"):
        return stem + "e"
    f = form(stem)
    if len(stem) >= 2 and stem[-1] == stem[-2] and f[-1] == "c":
        return stem if stem[-1] in "lsz" else stem[:-1]
    if m(stem) == 1 and f.endswith("cvc") and stem[-1] not in "wxy":
        return stem + "e"
    return stem


@mutant("no (*v*) check: 'sky' -> 'ski'")
def step1c(word):
    # "Step 1c: (*v*) Y -> I: happy -> happi, sky -> sky."
    return word[:-1] + "i" if word.endswith("y") else word


@mutant("NLTK's rule: y -> i only after a consonant ('day' stays 'day')")
def step1c(word):
    # "Step 1c: (*v*) Y -> I" (the stem contains a vowel, nothing about the letter before y)
    if word.endswith("y") and len(word) > 2 and is_consonant(word, len(word) - 2) and contains_vowel(word[:-1]):
        return word[:-1] + "i"
    return word


@mutant("replaces every y of the word, not only the final one")
def step1c(word):
    # "(*v*) Y -> I" is a suffix rule: only the final y
    if word.endswith("y") and contains_vowel(word[:-1]):
        return word.replace("y", "i")
    return word


@alternative("regex: (.*)y$ and the condition on group 1")
def step1c(word):
    # "Step 1c: (*v*) Y -> I"
    m = re.fullmatch(r"(.*)y", word, flags=re.S)
    return m.group(1) + "i" if m and contains_vowel(m.group(1)) else word


@alternative("slicing with removesuffix and a self-contained vowel test")
def step1c(word):
    # "(*v*) is tested on the stem before the y"
    stem = word.removesuffix("y")
    if stem == word:
        return word
    has_vowel = any(ch in "aeiou" for ch in stem) or any(ch == "y" and k > 0 for k, ch in enumerate(stem))
    return stem + "i" if has_vowel else word


# =============================================================================================
# Exercise 4: step2, step3, step4
# =============================================================================================


@mutant("falls through to a shorter suffix when the condition fails ('rization' -> 'rizate')")
def step2(word):
    # "if its condition fails the step changes nothing"
    for suf, rep in sorted(STEP2_RULES, key=lambda r: -len(r[0])):
        if word.endswith(suf) and measure(word[: len(word) - len(suf)]) > 0:
            return word[: len(word) - len(suf)] + rep
    return word


@mutant("the paper's ABLI -> ABLE instead of the reference version's BLI -> BLE")
def step2(word):
    # "the rule ABLI -> ABLE is replaced by BLI -> BLE"
    rules = [(s, r) if s != "bli" else ("abli", "able") for s, r in STEP2_RULES]
    best = max((r for r in rules if word.endswith(r[0])), key=lambda r: len(r[0]), default=None)
    if best is None:
        return word
    stem = word[: len(word) - len(best[0])]
    return stem + best[1] if measure(stem) > 0 else word


@mutant("(m>1) instead of (m>0)")
def step2(word):
    # "Step 2: every rule of STEP2_RULES has the condition (m>0)"
    best = max((r for r in STEP2_RULES if word.endswith(r[0])), key=lambda r: len(r[0]), default=None)
    if best is None:
        return word
    stem = word[: len(word) - len(best[0])]
    return stem + best[1] if measure(stem) > 1 else word


@mutant("condition measured on the whole word")
def step2(word):
    # "Conditions like (m>0) are measured on the stem, never on the whole word."
    best = max((r for r in STEP2_RULES if word.endswith(r[0])), key=lambda r: len(r[0]), default=None)
    if best is None:
        return word
    return word[: len(word) - len(best[0])] + best[1] if measure(word) > 0 else word


@alternative("first rule in table order (the table lists longer overlapping suffixes first)")
def step2(word):
    # "The rules are given as tables below (in the paper's order; as everywhere, the longest matching suffix decides"
    for suf, rep in STEP2_RULES:
        if word.endswith(suf):
            stem = word[: -len(suf)]
            return stem + rep if measure(stem) > 0 else word
    return word


@alternative("dict of rules, trying suffix lengths from 7 down to 3")
def step2(word):
    # "the longest matching suffix decides"
    table = dict(STEP2_RULES)
    for n in range(min(len(word), max(map(len, table))), 0, -1):
        suf = word[-n:]
        if suf in table:
            stem = word[:-n]
            return stem + table[suf] if measure(stem) > 0 else word
    return word


@mutant("condition measured on the whole word ('tical' -> 'tic')")
def step3(word):
    # "Conditions like (m>0) are measured on the stem, never on the whole word."
    best = max((r for r in STEP3_RULES if word.endswith(r[0])), key=lambda r: len(r[0]), default=None)
    if best is None:
        return word
    return word[: len(word) - len(best[0])] + best[1] if measure(word) > 0 else word


@mutant("(m>1) instead of (m>0)")
def step3(word):
    # "Step 3: every rule of STEP3_RULES has the condition (m>0)"
    best = max((r for r in STEP3_RULES if word.endswith(r[0])), key=lambda r: len(r[0]), default=None)
    if best is None:
        return word
    stem = word[: len(word) - len(best[0])]
    return stem + best[1] if measure(stem) > 1 else word


@mutant("removes the whole suffix (ignores the replacement: 'icate' -> '', 'alize' -> '')")
def step3(word):
    # "triplicate -> triplic ... formalize -> formal"
    best = max((r for r in STEP3_RULES if word.endswith(r[0])), key=lambda r: len(r[0]), default=None)
    if best is None:
        return word
    stem = word[: len(word) - len(best[0])]
    return stem if measure(stem) > 0 else word


@alternative("first rule in table order")
def step3(word):
    # "The rules are given as tables below (in the paper's order ...)"
    for suf, rep in STEP3_RULES:
        if word.endswith(suf):
            stem = word[: -len(suf)]
            return stem + rep if measure(stem) > 0 else word
    return word


@alternative("one regex built from the table, longest alternatives first")
def step3(word):
    # "the longest matching suffix decides"
    table = dict(STEP3_RULES)
    pat = "(" + "|".join(sorted(map(re.escape, table), key=len, reverse=True)) + ")$"
    m = re.search(pat, word)
    if not m:
        return word
    stem = word[: m.start()]
    return stem + table[m.group(1)] if measure(stem) > 0 else word


@mutant("(m>0) instead of (m>1)")
def step4(word):
    # "Step 4: the suffixes of STEP4_SUFFIXES are removed when (m>1)"
    best = max((s for s in STEP4_SUFFIXES if word.endswith(s)), key=len, default=None)
    if best is None:
        return word
    stem = word[: len(word) - len(best)]
    if measure(stem) > 0 and (best != "ion" or stem.endswith(("s", "t"))):
        return stem
    return word


@mutant("ION without the s/t condition ('religion' -> 'relig')")
def step4(word):
    # "(m>1 and (*S or *T)) ION ->"
    best = max((s for s in STEP4_SUFFIXES if word.endswith(s)), key=len, default=None)
    if best is None:
        return word
    stem = word[: len(word) - len(best)]
    return stem if measure(stem) > 1 else word


@mutant("precedence slip: (m>1 and *S) or *T for ION")
def step4(word):
    # "(m>1 and (*S or *T)) ION ->"
    best = max((s for s in STEP4_SUFFIXES if word.endswith(s)), key=len, default=None)
    if best is None:
        return word
    stem = word[: len(word) - len(best)]
    if best == "ion":
        return stem if measure(stem) > 1 and stem.endswith("s") or stem.endswith("t") else word
    return stem if measure(stem) > 1 else word


@mutant("falls through to shorter suffixes ('agreement' -> 'agreem')")
def step4(word):
    # "if its condition fails the step changes nothing" ... "(but "cement" stays: ... nothing shorter is tried)"
    for suf in sorted(STEP4_SUFFIXES, key=len, reverse=True):
        if word.endswith(suf):
            stem = word[: len(word) - len(suf)]
            if measure(stem) > 1 and (suf != "ion" or stem.endswith(("s", "t"))):
                return stem
    return word


@mutant("condition measured on the whole word")
def step4(word):
    # "Conditions like (m>0) are measured on the stem, never on the whole word."
    best = max((s for s in STEP4_SUFFIXES if word.endswith(s)), key=len, default=None)
    if best is None:
        return word
    stem = word[: len(word) - len(best)]
    if measure(word) > 1 and (best != "ion" or stem.endswith(("s", "t"))):
        return stem
    return word


@alternative("first suffix in table order (ement before ment before ent)")
def step4(word):
    # "The rules are given as tables below (in the paper's order ...)"
    for suf in STEP4_SUFFIXES:
        if word.endswith(suf):
            stem = word[: -len(suf)]
            if measure(stem) > 1 and (suf != "ion" or stem[-1:] in ("s", "t")):
                return stem
            return word
    return word


@alternative("sort the matching suffixes by length, check ION's letter with is_consonant-free indexing")
def step4(word):
    # "(m>1 and (*S or *T)) ION -> ... the stem must end in s or t"
    matches = sorted((s for s in STEP4_SUFFIXES if word.endswith(s)), key=len)
    if not matches:
        return word
    suf = matches[-1]
    stem = word[: len(word) - len(suf)]
    ok = measure(stem) > 1
    if suf == "ion":
        ok = ok and len(stem) > 0 and stem[len(stem) - 1] in "st"
    return stem if ok else word


# =============================================================================================
# Exercise 5: step5a, step5b, porter_stem
# =============================================================================================


@mutant("(m>=1 and not *o): an m>1 stem ending cvc keeps its e")
def step5a(word):
    # "(m>1) E -> ; (m=1 and not *o) E -> ... here both conditions are tried"
    if word.endswith("e"):
        stem = word[:-1]
        if measure(stem) >= 1 and not ends_cvc(stem):
            return stem
    return word


@mutant("*o tested on the whole word (which ends in e), so it never holds")
def step5a(word):
    # "Conditions like (m>0) are measured on the stem, never on the whole word."
    if word.endswith("e"):
        stem = word[:-1]
        m = measure(stem)
        if m > 1 or (m == 1 and not ends_cvc(word)):
            return stem
    return word


@mutant("only the (m>1) rule")
def step5a(word):
    # "two rules for the same suffix, so here both conditions are tried"
    if word.endswith("e") and measure(word[:-1]) > 1:
        return word[:-1]
    return word


@alternative("the two rules as separate ifs")
def step5a(word):
    # "(m>1) E -> ; (m=1 and not *o) E ->"
    if not word.endswith("e"):
        return word
    stem = word[:-1]
    if measure(stem) > 1:
        return stem
    if measure(stem) == 1 and not ends_cvc(stem):
        return stem
    return word


@alternative("self-contained: own y-aware c/v pattern, regex for m and *o")
def step5a(word):
    # "(m>1) E -> probate -> probat, rate -> rate; (m=1 and not *o) E -> cease -> ceas"
    if not word.endswith("e"):
        return word
    stem = word[:-1]
    form = []
    for ch in stem:
        if ch in "aeiou":
            form.append("v")
        elif ch == "y":
            form.append("c" if not form or form[-1] == "v" else "v")
        else:
            form.append("c")
    f = "".join(form)
    m = len(re.findall(r"v+c+", f))
    cvc = f.endswith("cvc") and stem[-1] not in "wxy"
    return stem if m > 1 or (m == 1 and not cvc) else word


@mutant("(m>0) instead of (m>1): 'roll' -> 'rol'")
def step5b(word):
    # "Step 5b -- (m>1 and *d and *L) -> single letter: controll -> control, roll -> roll"
    if measure(word) > 0 and ends_double_consonant(word) and word.endswith("l"):
        return word[:-1]
    return word


@mutant("any double consonant is undoubled (forgets *L)")
def step5b(word):
    # "(m>1 and *d and *L) -> single letter ... a word ending in "ll" loses one l"
    if measure(word) > 1 and ends_double_consonant(word):
        return word[:-1]
    return word


@mutant("forgets *d: any final l goes when m > 1 ('control' -> 'contro')")
def step5b(word):
    # "(m>1 and *d and *L) -> single letter"
    if measure(word) > 1 and word.endswith("l"):
        return word[:-1]
    return word


@alternative("endswith('ll') and the measure of the word without its last l")
def step5b(word):
    # "(the measure of the word, or equally of the word without its last l: a final consonant does not change m)"
    return word[:-1] if word.endswith("ll") and measure(word[:-1]) > 1 else word


@alternative("regex (.*l)l$ with a self-contained measure")
def step5b(word):
    # "a word ending in "ll" loses one l when m > 1"
    mt = re.fullmatch(r"(.*l)l", word)
    if not mt:
        return word
    stem = mt.group(1)
    form = []
    for ch in stem:
        if ch in "aeiou":
            form.append("v")
        elif ch == "y":
            form.append("c" if not form or form[-1] == "v" else "v")
        else:
            form.append("c")
    return stem if "".join(form).count("vc") > 1 else word


@mutant("no short-word rule: 'is' -> 'i'")
def porter_stem(word):
    # "porter_stem(word) returns a word of one or two letters unchanged"
    for step in (step1a, step1b, step1c, step2, step3, step4, step5a, step5b):
        word = step(word)
    return word


@mutant("short-word rule up to three letters ('was' stays 'was')")
def porter_stem(word):
    # "returns a word of one or two letters unchanged"
    if len(word) <= 3:
        return word
    for step in (step1a, step1b, step1c, step2, step3, step4, step5a, step5b):
        word = step(word)
    return word


@mutant("step 5b before step 5a ('gazelle' -> 'gazell')")
def porter_stem(word):
    # "applies step1a, step1b, step1c, step2, step3, step4, step5a and step5b, in this order"
    if len(word) <= 2:
        return word
    for step in (step1a, step1b, step1c, step2, step3, step4, step5b, step5a):
        word = step(word)
    return word


@mutant("steps 2 and 3 swapped")
def porter_stem(word):
    # "applies step1a, step1b, step1c, step2, step3, step4, step5a and step5b, in this order"
    if len(word) <= 2:
        return word
    for step in (step1a, step1b, step1c, step3, step2, step4, step5a, step5b):
        word = step(word)
    return word


@mutant("forgets step 1c")
def porter_stem(word):
    # "applies step1a, step1b, step1c, step2, step3, step4, step5a and step5b, in this order"
    if len(word) <= 2:
        return word
    for step in (step1a, step1b, step2, step3, step4, step5a, step5b):
        word = step(word)
    return word


@alternative("functools.reduce over the steps")
def porter_stem(word):
    # "applies step1a, ..., step5b, in this order, each to the result of the previous one"
    from functools import reduce

    if len(word) < 3:
        return word
    return reduce(lambda w, f: f(w), (step1a, step1b, step1c, step2, step3, step4, step5a, step5b), word)


@alternative("explicit nested calls, memoised per word with a function attribute cache")
def porter_stem(word):
    # "Words are lowercase a-z." (the result only depends on the word)
    cache = porter_stem.__dict__.setdefault("_cache", {})
    if word not in cache:
        cache[word] = word if len(word) in (0, 1, 2) else step5b(step5a(step4(step3(step2(step1c(step1b(step1a(word))))))))
    return cache[word]


@alternative("delegates to NLTK's PorterStemmer(mode=MARTIN_EXTENSIONS), the reference version the text names")
def porter_stem(word):
    # "NLTK reproduces this version with PorterStemmer(mode=PorterStemmer.MARTIN_EXTENSIONS)"
    from nltk.stem import PorterStemmer

    stemmer = porter_stem.__dict__.get("_nltk")
    if stemmer is None:
        stemmer = porter_stem._nltk = PorterStemmer(mode=PorterStemmer.MARTIN_EXTENSIONS)
    return stemmer.stem(word, to_lowercase=False)


# =============================================================================================
# Exercise 6: learn_bpe
# =============================================================================================


@mutant("ties broken by Counter.most_common (first pair counted), not by min over (left, right)")
def learn_bpe(word_counts, n_merges):
    # "Ties go to the pair that comes first in Python's order of tuples of strings"
    words = {tuple(w[:-1]) + (w[-1] + "</w>",): c for w, c in word_counts.items()}
    merges = []
    for _ in range(n_merges):
        pairs = Counter()
        for sym, c in words.items():
            for p in zip(sym, sym[1:]):
                pairs[p] += c
        if not pairs:
            break
        best = pairs.most_common(1)[0][0]
        merges.append(best)
        new = {}
        for sym, c in words.items():
            out, i = [], 0
            while i < len(sym):
                if i + 1 < len(sym) and (sym[i], sym[i + 1]) == best:
                    out.append(sym[i] + sym[i + 1])
                    i += 2
                else:
                    out.append(sym[i])
                    i += 1
            new[tuple(out)] = c
        words = new
    return merges


@mutant("ties broken by the concatenated string left + right")
def learn_bpe(word_counts, n_merges):
    # "min over (left, right), comparing the left symbols first, as strings"
    words = {tuple(w[:-1]) + (w[-1] + "</w>",): c for w, c in word_counts.items()}
    merges = []
    for _ in range(n_merges):
        pairs = Counter()
        for sym, c in words.items():
            for p in zip(sym, sym[1:]):
                pairs[p] += c
        if not pairs:
            break
        best = min(pairs, key=lambda p: (-pairs[p], p[0] + p[1]))
        merges.append(best)
        new = {}
        for sym, c in words.items():
            out, i = [], 0
            while i < len(sym):
                if i + 1 < len(sym) and (sym[i], sym[i + 1]) == best:
                    out.append(sym[i] + sym[i + 1])
                    i += 2
                else:
                    out.append(sym[i])
                    i += 1
            new[tuple(out)] = c
        words = new
    return merges


@mutant("each pair counted once per word (a set of pairs): overlaps and repeats ignored")
def learn_bpe(word_counts, n_merges):
    # "all occurrences, overlapping ones too (a a a</w> contains the pair (a, a) once, a a a a</w> twice)"
    words = {tuple(w[:-1]) + (w[-1] + "</w>",): c for w, c in word_counts.items()}
    merges = []
    for _ in range(n_merges):
        pairs = Counter()
        for sym, c in words.items():
            for p in set(zip(sym, sym[1:])):
                pairs[p] += c
        if not pairs:
            break
        top = max(pairs.values())
        best = min(p for p in pairs if pairs[p] == top)
        merges.append(best)
        new = {}
        for sym, c in words.items():
            out, i = [], 0
            while i < len(sym):
                if i + 1 < len(sym) and (sym[i], sym[i + 1]) == best:
                    out.append(sym[i] + sym[i + 1])
                    i += 2
                else:
                    out.append(sym[i])
                    i += 1
            new[tuple(out)] = c
        words = new
    return merges


@mutant("merges right to left: a a a</w>... ends as a aa instead of aa a")
def learn_bpe(word_counts, n_merges):
    # "scan left to right and replace each occurrence of the pair by the concatenated symbol, without overlaps"
    words = {tuple(w[:-1]) + (w[-1] + "</w>",): c for w, c in word_counts.items()}
    merges = []
    for _ in range(n_merges):
        pairs = Counter()
        for sym, c in words.items():
            for p in zip(sym, sym[1:]):
                pairs[p] += c
        if not pairs:
            break
        top = max(pairs.values())
        best = min(p for p in pairs if pairs[p] == top)
        merges.append(best)
        new = {}
        for sym, c in words.items():
            out, i = [], len(sym) - 1
            while i >= 0:
                if i >= 1 and (sym[i - 1], sym[i]) == best:
                    out.append(sym[i - 1] + sym[i])
                    i -= 2
                else:
                    out.append(sym[i])
                    i -= 1
            new[tuple(reversed(out))] = c
        words = new
    return merges


@mutant("ignores the counts: every distinct word weighs 1")
def learn_bpe(word_counts, n_merges):
    # "each occurrence weighted by the word's count"
    words = [tuple(w[:-1]) + (w[-1] + "</w>",) for w in word_counts]
    merges = []
    for _ in range(n_merges):
        pairs = Counter()
        for sym in words:
            pairs.update(zip(sym, sym[1:]))
        if not pairs:
            break
        top = max(pairs.values())
        best = min(p for p in pairs if pairs[p] == top)
        merges.append(best)
        new = []
        for sym in words:
            out, i = [], 0
            while i < len(sym):
                if i + 1 < len(sym) and (sym[i], sym[i + 1]) == best:
                    out.append(sym[i] + sym[i + 1])
                    i += 2
                else:
                    out.append(sym[i])
                    i += 1
            new.append(tuple(out))
        words = new
    return merges


@mutant("stops as soon as ANY word is a single symbol")
def learn_bpe(word_counts, n_merges):
    # "Stop early when no word has two symbols left."
    words = {tuple(w[:-1]) + (w[-1] + "</w>",): c for w, c in word_counts.items()}
    merges = []
    for _ in range(n_merges):
        if any(len(sym) < 2 for sym in words):
            break
        pairs = Counter()
        for sym, c in words.items():
            for p in zip(sym, sym[1:]):
                pairs[p] += c
        top = max(pairs.values())
        best = min(p for p in pairs if pairs[p] == top)
        merges.append(best)
        new = {}
        for sym, c in words.items():
            out, i = [], 0
            while i < len(sym):
                if i + 1 < len(sym) and (sym[i], sym[i + 1]) == best:
                    out.append(sym[i] + sym[i + 1])
                    i += 2
                else:
                    out.append(sym[i])
                    i += 1
            new[tuple(out)] = c
        words = new
    return merges


@alternative("blind mutant, correct once the text states that [left, right] lists are accepted: "
             "returns the merges as [left, right] lists, not tuples")
def learn_bpe(word_counts, n_merges):
    # "Return the merges in the order they were learned: a list of (left, right) tuples"
    words = {tuple(w[:-1]) + (w[-1] + "</w>",): c for w, c in word_counts.items()}
    merges = []
    for _ in range(n_merges):
        pairs = Counter()
        for sym, c in words.items():
            for p in zip(sym, sym[1:]):
                pairs[p] += c
        if not pairs:
            break
        top = max(pairs.values())
        best = min(p for p in pairs if pairs[p] == top)
        merges.append(list(best))
        new = {}
        for sym, c in words.items():
            out, i = [], 0
            while i < len(sym):
                if i + 1 < len(sym) and (sym[i], sym[i + 1]) == best:
                    out.append(sym[i] + sym[i + 1])
                    i += 2
                else:
                    out.append(sym[i])
                    i += 1
            new[tuple(out)] = c
        words = new
    return merges


@mutant("rewrites the caller's word_counts in place (keys replaced by symbol tuples)")
def learn_bpe(word_counts, n_merges):
    # "word_counts: dict word -> count" (an input; the notebook uses it again after the call)
    for w in list(word_counts):
        word_counts[tuple(w[:-1]) + (w[-1] + "</w>",)] = word_counts.pop(w)
    merges = []
    for _ in range(n_merges):
        pairs = Counter()
        for sym, c in word_counts.items():
            for p in zip(sym, sym[1:]):
                pairs[p] += c
        if not pairs:
            break
        top = max(pairs.values())
        best = min(p for p in pairs if pairs[p] == top)
        merges.append(best)
        for sym in list(word_counts):
            out, i = [], 0
            while i < len(sym):
                if i + 1 < len(sym) and (sym[i], sym[i + 1]) == best:
                    out.append(sym[i] + sym[i + 1])
                    i += 2
                else:
                    out.append(sym[i])
                    i += 1
            word_counts[tuple(out)] = word_counts.pop(sym)
    return merges


@mutant("end-of-word marker as a separate symbol: l o w </w>")
def learn_bpe(word_counts, n_merges):
    # "the last character of every word carries an end-of-word marker </w>: "low" starts as l o w</w>"
    words = {tuple(w) + ("</w>",): c for w, c in word_counts.items()}
    merges = []
    for _ in range(n_merges):
        pairs = Counter()
        for sym, c in words.items():
            for p in zip(sym, sym[1:]):
                pairs[p] += c
        if not pairs:
            break
        top = max(pairs.values())
        best = min(p for p in pairs if pairs[p] == top)
        merges.append(best)
        new = {}
        for sym, c in words.items():
            out, i = [], 0
            while i < len(sym):
                if i + 1 < len(sym) and (sym[i], sym[i + 1]) == best:
                    out.append(sym[i] + sym[i + 1])
                    i += 2
                else:
                    out.append(sym[i])
                    i += 1
            new[tuple(out)] = c
        words = new
    return merges


@alternative("sorted() with key (-count, pair) for the choice; words kept as lists merged in place")
def learn_bpe(word_counts, n_merges):
    # "Take the most frequent pair. Ties go to the pair that comes first in Python's order of tuples of strings"
    vocab = [(list(w[:-1]) + [w[-1] + "</w>"], c) for w, c in word_counts.items()]
    merges = []
    while len(merges) < n_merges:
        counts = {}
        for sym, c in vocab:
            for k in range(len(sym) - 1):
                key = (sym[k], sym[k + 1])
                counts[key] = counts.get(key, 0) + c
        if not counts:
            break
        best = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        merges.append(best)
        for sym, _ in vocab:
            k = 0
            while k < len(sym) - 1:
                if sym[k] == best[0] and sym[k + 1] == best[1]:
                    sym[k:k + 2] = [best[0] + best[1]]
                k += 1
    return merges


@alternative("incremental pair counts: only the words that contain the chosen pair are recounted")
def learn_bpe(word_counts, n_merges):
    # "Recounting all pairs after every merge is fine here ... real trainers update the counts incrementally."
    words = [[list(w[:-1]) + [w[-1] + "</w>"], c] for w, c in word_counts.items()]
    pairs = Counter()
    for sym, c in words:
        for p in zip(sym, sym[1:]):
            pairs[p] += c
    merges = []
    for _ in range(n_merges):
        live = {p: n for p, n in pairs.items() if n > 0}
        if not live:
            break
        top = max(live.values())
        best = min(p for p, n in live.items() if n == top)
        merges.append(best)
        for entry in words:
            sym, c = entry
            if len(sym) < 2 or best[0] not in sym:
                continue
            old = list(zip(sym, sym[1:]))
            if best not in old:
                continue
            out, i = [], 0
            while i < len(sym):
                if i + 1 < len(sym) and sym[i] == best[0] and sym[i + 1] == best[1]:
                    out.append(best[0] + best[1])
                    i += 2
                else:
                    out.append(sym[i])
                    i += 1
            for p in old:
                pairs[p] -= c
            for p in zip(out, out[1:]):
                pairs[p] += c
            entry[0] = out
    return merges


@alternative("max() with a key that inverts the tie order through a rank of all sorted pairs")
def learn_bpe(word_counts, n_merges):
    # "Ties ... min over (left, right), comparing the left symbols first, as strings"
    words = {w: tuple(w[:-1]) + (w[-1] + "</w>",) for w in word_counts}
    merges = []
    for _ in range(max(0, n_merges)):
        pairs = Counter()
        for w, sym in words.items():
            for a, b in zip(sym[:-1], sym[1:]):
                pairs[(a, b)] += word_counts[w]
        if not pairs:
            break
        order = {p: r for r, p in enumerate(sorted(pairs))}
        best = max(pairs, key=lambda p: (pairs[p], -order[p]))
        merges.append(best)
        joined = best[0] + best[1]
        for w, sym in words.items():
            out = []
            i = 0
            while i < len(sym):
                if sym[i:i + 2] == best:
                    out.append(joined)
                    i += 2
                else:
                    out.append(sym[i])
                    i += 1
            words[w] = tuple(out)
    return merges


# =============================================================================================
# Exercise 7: bpe_segment
# =============================================================================================


@mutant("applies each merge only to its first occurrence")
def bpe_segment(word, merges):
    # "apply the merges in the order they were learned, each one to every occurrence in the word"
    sym = list(word[:-1]) + [word[-1] + "</w>"]
    for a, b in merges:
        for i in range(len(sym) - 1):
            if sym[i] == a and sym[i + 1] == b:
                sym[i:i + 2] = [a + b]
                break
    return sym


@alternative("blind mutant, correct once the text states that a tuple is accepted: returns a tuple of symbols")
def bpe_segment(word, merges):
    # "Return the list of symbols"
    sym = list(word[:-1]) + [word[-1] + "</w>"]
    for a, b in merges:
        out, i = [], 0
        while i < len(sym):
            if i + 1 < len(sym) and sym[i] == a and sym[i + 1] == b:
                out.append(a + b)
                i += 2
            else:
                out.append(sym[i])
                i += 1
        sym = out
    return tuple(sym)


@mutant("greedy longest match against the merged symbols (WordPiece-style), not a replay of the merges")
def bpe_segment(word, merges):
    # "To tokenize a word with learned merges, replay them ... apply the merges in the order they were learned"
    known = {a + b for a, b in merges}
    n = len(word)
    out, i = [], 0
    while i < n:
        for j in range(n, i, -1):
            piece = word[i:j] + ("</w>" if j == n else "")
            if j == i + 1 or piece in known:
                out.append(piece)
                i = j
                break
    return out


@mutant("merges right to left (overlaps resolved from the end)")
def bpe_segment(word, merges):
    # "each one to every occurrence in the word, left to right, without overlaps"
    sym = list(word[:-1]) + [word[-1] + "</w>"]
    for a, b in merges:
        out, i = [], len(sym) - 1
        while i >= 0:
            if i >= 1 and sym[i - 1] == a and sym[i] == b:
                out.append(a + b)
                i -= 2
            else:
                out.append(sym[i])
                i -= 1
        sym = out[::-1]
    return sym


@mutant("consumes the merges list (merges.pop(0)): the caller's list is emptied")
def bpe_segment(word, merges):
    # "merges a list of (left, right) pairs as learn_bpe returns them" (an input, reused for every word)
    sym = list(word[:-1]) + [word[-1] + "</w>"]
    while merges:
        a, b = merges.pop(0)
        out, i = [], 0
        while i < len(sym):
            if i + 1 < len(sym) and sym[i] == a and sym[i + 1] == b:
                out.append(a + b)
                i += 2
            else:
                out.append(sym[i])
                i += 1
        sym = out
    return sym


@mutant("lowercases the word first")
def bpe_segment(word, merges):
    # "word a non-empty str" -- segmented as given (no normalisation is asked for)
    word = word.lower()
    sym = list(word[:-1]) + [word[-1] + "</w>"]
    for a, b in merges:
        out, i = [], 0
        while i < len(sym):
            if i + 1 < len(sym) and sym[i] == a and sym[i + 1] == b:
                out.append(a + b)
                i += 2
            else:
                out.append(sym[i])
                i += 1
        sym = out
    return sym


@mutant("end-of-word marker appended as a separate symbol")
def bpe_segment(word, merges):
    # "start from its characters (with </w> on the last)"
    sym = list(word) + ["</w>"]
    for a, b in merges:
        out, i = [], 0
        while i < len(sym):
            if i + 1 < len(sym) and sym[i] == a and sym[i + 1] == b:
                out.append(a + b)
                i += 2
            else:
                out.append(sym[i])
                i += 1
        sym = out
    return [s for s in sym if s != "</w>"] if sym[-1] == "</w>" else sym


@alternative("GPT-2 style: repeatedly merge the earliest-learned pair present (ranks)")
def bpe_segment(word, merges):
    # "(Applying, again and again, the earliest-learned merge present in the word -- how GPT-2's tokenizer does it -- gives the same result for such merges.)"
    rank = {}
    for r, (a, b) in enumerate(merges):
        rank.setdefault((a, b), r)
    sym = list(word[:-1]) + [word[-1] + "</w>"]
    while len(sym) > 1:
        pairs = [(rank.get((sym[i], sym[i + 1]), float("inf")), i) for i in range(len(sym) - 1)]
        best_rank = min(pairs)[0]
        if best_rank == float("inf"):
            break
        a, b = merges[best_rank]
        out, i = [], 0
        while i < len(sym):
            if i + 1 < len(sym) and sym[i] == a and sym[i + 1] == b:
                out.append(a + b)
                i += 2
            else:
                out.append(sym[i])
                i += 1
        sym = out
    return sym


@alternative("in-place list splicing, skipping merges whose left symbol is absent")
def bpe_segment(word, merges):
    # "apply the merges in the order they were learned, each one to every occurrence in the word, left to right, without overlaps"
    sym = [*word[:-1], word[-1] + "</w>"]
    for a, b in merges:
        if a not in sym:
            continue
        i = 0
        while i < len(sym) - 1:
            if sym[i] == a and sym[i + 1] == b:
                sym[i:i + 2] = [a + b]
            i += 1
    return sym


@alternative("recursive replay of the merge list")
def bpe_segment(word, merges):
    # "replay them: start from its characters (with </w> on the last) and apply the merges in the order they were learned"
    def apply(sym, k):
        if k == len(merges):
            return sym
        a, b = merges[k]
        out, i = [], 0
        while i < len(sym):
            if i + 1 < len(sym) and (sym[i], sym[i + 1]) == (a, b):
                out.append(a + b)
                i += 2
            else:
                out.append(sym[i])
                i += 1
        return apply(out, k + 1)

    import sys

    sys.setrecursionlimit(max(sys.getrecursionlimit(), len(merges) + 1000))
    return apply(list(word[:-1]) + [word[-1] + "</w>"], 0)
