package org.thecal.app

import android.app.Application
import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.BackHandler
import androidx.activity.compose.setContent
import androidx.activity.viewModels
import androidx.compose.material3.Text
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.lifecycle.AndroidViewModel
import androidx.lifecycle.viewModelScope
import java.time.ZoneId
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch
import org.thecal.ThecalException
import org.thecal.core.SecretStore
import org.thecal.core.SecretStoreException
import org.thecal.core.Thecal
import org.thecal.core.ThecalConfig
import org.thecal.mapThecalErrors
import org.thecal.ui.Navigator
import org.thecal.ui.PatientApp
import org.thecal.ui.Screen
import org.thecal.ui.ThecalApp

/**
 * Holds the one [Thecal] of the process and the patient app over it, for the life of the
 * Activity's view model (rotations keep it).
 */
class ThecalViewModel(application: Application) : AndroidViewModel(application) {
    /** Which screen is shown (the system back button goes home). */
    val navigator = Navigator()

    private val state = MutableStateFlow<Result<PatientApp>?>(null)

    /** The app once the core is open, or why it could not open. */
    val app: StateFlow<Result<PatientApp>?> = state.asStateFlow()

    init {
        viewModelScope.launch {
            state.value = try {
                // noBackupFilesDir: Android's Auto Backup never copies the live database.
                val thecal = mapThecalErrors {
                    Thecal.open(application.noBackupFilesDir.path, ThecalConfig(ZoneId.systemDefault().id), NoSecretStore)
                }
                Result.success(PatientApp(thecal, viewModelScope))
            } catch (e: ThecalException) {
                Result.failure(e)
            }
        }
    }
}

/**
 * No key store yet: the Android Keystore-backed store is not written (it cannot be tested on
 * the project's machines, see android/README.md), so the features that keep keys (issuing a
 * card, caregiver alerts) answer with their typed "key store unavailable" error. The five
 * screens need no key.
 */
private object NoSecretStore : SecretStore {
    override fun load(name: String): ByteArray? = null

    override fun save(name: String, secret: ByteArray) {
        throw SecretStoreException.Unavailable("The Android Keystore store is not in this app yet")
    }

    override fun delete(name: String) = Unit
}

/** The patient app's one Activity: the shared screens. */
class MainActivity : ComponentActivity() {
    private val model: ThecalViewModel by viewModels()

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        setContent {
            val result by model.app.collectAsState()
            BackHandler(enabled = model.navigator.screen != Screen.Dashboard) { model.navigator.home() }
            val app = result?.getOrNull()
            when {
                app != null -> ThecalApp(app, model.navigator)
                result == null -> Text("Opening your pump's data…")
                else -> Text(result?.exceptionOrNull()?.message ?: "Thecal could not open.")
            }
        }
    }
}
