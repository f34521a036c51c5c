"""ffhlib: the library behind ffh-book.

Reconstructs and tests Salatiello & Giese (ICANN 2020) from its abstracts: a ground-truth
stability-optimised circuit produces EMG through gain modulation; RNNs trained with full-FORCE,
with (FFH) and without (FF) hints from a sparse sample of its neurons, are compared with it.
"""

__version__ = "0.1.0"

import warnings as _warnings

# Progress bars use tqdm.auto; without ipywidgets (not a dependency) tqdm falls back to a text bar
# and warns about it in every notebook. The text bar is what we want.
_warnings.filterwarnings("ignore", message="IProgress not found")
